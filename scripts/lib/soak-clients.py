"""The soak's clients beside wrk: feed revalidations and admin writes, each at a set pace.

    SOAK_TOKEN=TOKEN python3 soak-clients.py --dir WORKDIR --base URL --seconds N

Reads the feed URLs (all under URL) from WORKDIR/urls. For N seconds, on one keep-alive connection each:
  - revalidates the feeds in turn with If-None-Match (the ETag each last answered),
    REVALIDATIONS_PER_SECOND of them a second, like a fleet of feed readers;
  - creates an article CREATES_PER_SECOND times a second (intermediate, source "Soak", by
    one of ten "Soak Author" names), edits every 5th and deletes every 7th.
Writes what soak-verdict.py reads: conditional.codes (one status a line), writes.codes
("create 201", ...), created and deleted (article ids).

One process with a connection per client, rather than a curl per request: a shell loop of
curl, sed and tr took about 40% of this 2-core machine's CPU in a soak (perf, 2026-11-29),
so the read rate under writes measured the loops' forks more than the server's work for
the writes.
"""

import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse

REVALIDATIONS_PER_SECOND = 50
CREATES_PER_SECOND = 10
TIMEOUT_SECONDS = 10


class Connection:
    """One keep-alive HTTP connection to the server, made again after an error."""

    def __init__(self, base):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn = None

    def request(self, method, target, headers, body=None):
        """(status as text, headers, body); status is "error" when no answer came."""
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_SECONDS)
            self.conn.request(method, target, body=body, headers=headers)
            reply = self.conn.getresponse()
            return str(reply.status), reply.headers, reply.read()
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return "error", {}, b""


def paced(per_second, deadline):
    """Yields at `per_second` until `deadline` (time.monotonic()), without drifting. A
    client more than a second behind (slow answers) starts again from now, not in a burst."""
    interval = 1 / per_second
    next_at = time.monotonic()
    while next_at < deadline:
        now = time.monotonic()
        if next_at > now:
            time.sleep(next_at - now)
        elif now - next_at > 1:
            next_at = now
        yield
        next_at += interval


def revalidate(base, urls, deadline, out):
    conn = Connection(base)
    tags = {}
    with open(out, "w", encoding="utf-8") as codes:
        turn = 0
        for _ in paced(REVALIDATIONS_PER_SECOND, deadline):
            url = urls[turn % len(urls)]
            turn += 1
            target = url[len(base) :]
            headers = {"If-None-Match": tags.get(url, '"none"')}
            status, reply_headers, _ = conn.request("GET", target, headers)
            codes.write(status + "\n")
            tag = reply_headers.get("ETag")
            if tag:
                tags[url] = tag


def write(base, token, deadline, workdir):
    conn = Connection(base)
    auth = {"Authorization": f"Bearer {token}"}
    json_auth = {**auth, "Content-Type": "application/json"}
    with (
        open(os.path.join(workdir, "writes.codes"), "w", encoding="utf-8") as codes,
        open(os.path.join(workdir, "created"), "w", encoding="utf-8") as created,
        open(os.path.join(workdir, "deleted"), "w", encoding="utf-8") as deleted,
    ):
        n = 0
        for _ in paced(CREATES_PER_SECOND, deadline):
            n += 1
            article = {
                "title": f"Soak article {n}",
                "level": "intermediate",
                "source": "Soak",
                "author": f"Soak Author {n % 10}",
            }
            status, _, body = conn.request("POST", "/api/v1/articles", json_auth, json.dumps(article))
            codes.write(f"create {status}\n")
            try:
                article_id = json.loads(body)["id"]
            except (ValueError, KeyError, TypeError):
                continue
            created.write(article_id + "\n")
            target = f"/api/v1/articles/{article_id}"
            if n % 5 == 0:
                edit = json.dumps({"title": "Soak article, edited"})
                status, _, _ = conn.request("PATCH", target, json_auth, edit)
                codes.write(f"update {status}\n")
            if n % 7 == 0:
                status, _, _ = conn.request("DELETE", target, auth)
                codes.write(f"delete {status}\n")
                deleted.write(article_id + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    token = os.environ["SOAK_TOKEN"]
    base = args.base
    with open(os.path.join(args.dir, "urls"), encoding="utf-8") as f:
        urls = [line.strip() for line in f if line.strip()]
    deadline = time.monotonic() + args.seconds
    clients = [
        threading.Thread(
            target=revalidate,
            args=(base, urls, deadline, os.path.join(args.dir, "conditional.codes")),
        ),
        threading.Thread(target=write, args=(base, token, deadline, args.dir)),
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()


if __name__ == "__main__":
    main()
