"""The driver of scripts/interop-websub: with engfeed, a stock Flask-WebSub hub and the
Flask-WebSub subscriber (lib/websub-subscriber.py) running, it subscribes to six feeds,
makes four admin writes and checks what the subscriber received.

Feeds (each discovered from its own Link headers, as a subscriber does):
    the full Atom feed, the advanced level's RSS feed, James Beswick's Atom feed, the full
    JSON feed                          changed by the create, the update and the delete;
    the beginner level's Atom feed     changed by no write;
    the intermediate level's JSON feed changed only by the off-page update.
Writes, in order, through the admin API:
    create     a new advanced article by James Beswick (51 articles: the oldest leaves the
               first page of the full feeds);
    update     the title of the newest advanced seed article by James Beswick;
    update-old the title of the oldest article, which is on no first page of the full
               feeds: those feeds' bytes do not change, its level's and author's do;
    delete     the created article.
Before and right after each write the driver reads every subscribed feed; "changed" means
its bytes differ. Then, for each feed and write:
    changed    the subscriber gets exactly one delivery within --max-delay seconds of the
               write, and its body is the feed as it is after the write;
    unchanged  the subscriber gets nothing (also checked for --settle seconds after the
               last write).
Also: every subscribed feed names the hub and itself in Link headers, and a filtered feed
(which engfeed never pings) names no hub. Prints a table and "N passed, M failed"; exits 1
when any check failed.

Usage: interop-websub.py --engfeed URL --token TOKEN --hub URL --subscriber URL --state DIR
"""

import argparse
import hashlib
import json
import os
import sys
import time

import requests

from interop_checks import Checks

FEEDS = [
    ("full Atom", "/feed.atom"),
    ("level RSS", "/levels/advanced/feed.rss"),
    ("author Atom", "/authors/james-beswick/feed.atom"),
    ("full JSON", "/feed.json"),
    ("untouched level Atom", "/levels/beginner/feed.atom"),
    ("level JSON", "/levels/intermediate/feed.json"),
]
# Feeds the create, update and delete must change, and the one no write may change.
TARGETS = ["/feed.atom", "/levels/advanced/feed.rss", "/authors/james-beswick/feed.atom", "/feed.json"]
UNTOUCHED = "/levels/beginner/feed.atom"
FILTERED = ["/feed.atom?limit=5", "/levels/advanced/feed.rss?code=true"]

checks = Checks("interop-websub")
check, say = checks.check, checks.say


class Engfeed:
    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.auth = {"Authorization": f"Bearer {token}"}

    def get(self, path, **kwargs):
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def digest(self, path):
        response = self.get(path)
        response.raise_for_status()
        return hashlib.sha256(response.content).hexdigest()

    def api(self, method, path, expect, **kwargs):
        response = self.http.request(
            method, self.base + "/api/v1" + path, headers={**self.auth, **kwargs.pop("headers", {})},
            timeout=30, **kwargs)
        if response.status_code not in expect:
            raise SystemExit(f"{method} /api/v1{path}: HTTP {response.status_code}: {response.text[:500]}")
        return response

    def articles(self, query=""):
        listed, url = [], "/articles?limit=200" + query
        while url:
            page = self.api("GET", url, (200,)).json()
            listed += page["articles"]
            nxt = page.get("next")
            url = nxt[len(self.base + "/api/v1"):] if nxt else None
        return listed

    def write_with_etag(self, method, article_id, expect, **kwargs):
        """PATCH or DELETE naming the version just read (If-Match), as a careful editor does."""
        etag = self.api("GET", f"/articles/{article_id}", (200,)).headers.get("ETag")
        headers = {"If-Match": etag} if etag else {}
        return self.api(method, f"/articles/{article_id}", expect, headers=headers, **kwargs)


class Events:
    def __init__(self, state):
        self.path = os.path.join(state, "events.jsonl")
        self.bodies = os.path.join(state, "bodies")

    def all(self):
        events = []
        try:
            with open(self.path, encoding="utf-8") as lines:
                for line in lines:
                    try:
                        events.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass  # a line being written; read again later
        except FileNotFoundError:
            pass
        return events

    def notifications(self, since=0.0, until=float("inf")):
        return [e for e in self.all() if e["event"] == "notification" and since <= e["time"] < until]

    def body(self, event):
        with open(os.path.join(self.bodies, str(event["n"])), "rb") as body:
            return body.read()


def subscribe_all(engfeed, subscriber, events, hub, wait):
    """Subscribes to every feed through the subscriber; returns {path: topic URL}."""
    topics, callbacks = {}, {}
    for label, path in FEEDS:
        response = engfeed.get(path)
        links = {rel: link.get("url") for rel, link in response.links.items()}
        check(response.status_code == 200 and links.get("hub") == hub and links.get("self") == engfeed.base + path,
              f"{path} ({label}) answers 200 with Link rel=\"hub\" <{hub}> and rel=\"self\" <{engfeed.base + path}>"
              f" (got {links})")
        answer = requests.get(subscriber + "/subscribe", params={"url": engfeed.base + path}, timeout=30)
        if not check(answer.status_code == 200, f"the subscriber sent a subscription request for {path}"
                     f" (HTTP {answer.status_code})"):
            continue
        found = answer.json()
        check(found["topic_url"] == engfeed.base + path and found["hub_url"] == hub,
              f"the subscriber discovered topic {found['topic_url']} and hub {found['hub_url']} for {path}")
        topics[path] = found["topic_url"]
        callbacks[found["callback_id"]] = path
    deadline = time.time() + wait
    while time.time() < deadline:
        done = {e["callback_id"] for e in events.all() if e["event"] == "subscribe"}
        failed = [e for e in events.all() if e["event"] == "error"]
        if failed or done >= set(callbacks):
            break
        time.sleep(0.1)
    done = {e["callback_id"] for e in events.all() if e["event"] == "subscribe"}
    verified = True
    for callback_id, path in callbacks.items():
        verified &= check(callback_id in done, f"the hub verified the subscription to {path} (waited up to {wait:.0f} s)")
    for event in events.all():
        if event["event"] == "error":
            verified = check(False, f"the hub denied the subscription to {event['topic']}: {event.get('reason')}")
    return topics if verified and len(topics) == len(FEEDS) else None


def run_write(name, do_write, engfeed, events, topics, args, rows):
    paths = list(topics)
    before = {path: engfeed.digest(path) for path in paths}
    start = time.time()
    detail = do_write()
    after = {path: engfeed.digest(path) for path in paths}
    changed = {path: before[path] != after[path] for path in paths}
    say(f"{name}: {detail}; bytes changed: "
        + (", ".join(path for path in paths if changed[path]) or "none"))
    deadline = start + args.wait
    while time.time() < deadline:
        got = {e["topic"] for e in events.notifications(since=start)}
        if all(topics[path] in got for path in paths if changed[path]):
            break
        time.sleep(0.05)
    time.sleep(args.settle)  # later or repeated deliveries for this write show up meanwhile
    end = time.time()
    for path in paths:
        mine = sorted((e for e in events.notifications(start, end) if e["topic"] == topics[path]),
                      key=lambda e: e["time"])
        delay = mine[0]["time"] - start if mine else None
        rows.append((path, name, changed[path], len(mine), delay))
        if changed[path]:
            if not check(mine, f"{name}: {path} changed and was delivered (waited up to {args.wait:.0f} s)"):
                continue
            check(delay <= args.max_delay, f"{name}: {path} delivered {delay:.2f} s after the write"
                  f" (limit {args.max_delay:.0f} s)")
            check(len(mine) == 1, f"{name}: {path} delivered once (got {len(mine)}: pings coalesced)")
            body = events.body(mine[-1])
            check(hashlib.sha256(body).hexdigest() == after[path],
                  f"{name}: the body delivered for {path} is the feed as it is after the write")
        else:
            check(not mine, f"{name}: {path} did not change and was not pushed (got {len(mine)} deliveries)")
    return changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engfeed", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--hub", required=True)
    parser.add_argument("--subscriber", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--max-delay", type=float, default=5.0, help="seconds a push may take")
    parser.add_argument("--wait", type=float, default=12.0, help="seconds to wait for pushes")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to watch for extra pushes")
    args = parser.parse_args()
    engfeed = Engfeed(args.engfeed, args.token)
    events = Events(args.state)

    say("feeds that engfeed never pings must not name the hub")
    for path in FILTERED:
        response = engfeed.get(path)
        body_names_hub = b'rel="hub"' in response.content or b'"hubs"' in response.content
        check(response.status_code == 200 and "hub" not in response.links and not body_names_hub,
              f"{path} (a filtered feed, never pinged) names no hub (Link: {response.headers.get('Link')})")

    say("subscribing through the hub to " + ", ".join(path for _, path in FEEDS))
    topics = subscribe_all(engfeed, args.subscriber, events, args.hub, args.wait)
    if topics is None:
        check(False, "every subscription is in place (the writes were not made)")
        return finish([])
    time.sleep(args.settle)
    early = events.notifications()
    check(not early, f"nothing was pushed before the first write (got {len(early)})")

    newest_jb = engfeed.articles("&level=advanced&author=james-beswick")[0]
    created = {}
    rows, changes = [], {}

    def create():
        answer = engfeed.api("POST", "/articles", (201,), json={
            "title": "WebSub interop probe", "summary": "Created by scripts/interop-websub.",
            "author": "James Beswick", "level": "advanced", "read_minutes": 4,
            "includes_code": False, "has_summary": True, "source": "Stripe"})
        created.update(answer.json())
        return f"POST /api/v1/articles -> {created['id']}"

    def update():
        engfeed.write_with_etag("PATCH", newest_jb["id"], (200,), json={"title": newest_jb["title"] + " (edited)"})
        return f"PATCH title of {newest_jb['id']} ({newest_jb['level']}, {newest_jb['author']['slug']})"

    def update_old():
        oldest = engfeed.articles()[-1]
        engfeed.write_with_etag("PATCH", oldest["id"], (200,), json={"title": oldest["title"] + " (edited)"})
        return f"PATCH title of the oldest article {oldest['id']} ({oldest['level']}, {oldest['author']['slug']})"

    def delete():
        engfeed.write_with_etag("DELETE", created["id"], (200, 204))
        return f"DELETE {created['id']}"

    for name, write in [("create", create), ("update", update), ("update-old", update_old), ("delete", delete)]:
        changes[name] = run_write(name, write, engfeed, events, topics, args, rows)

    for name in ("create", "update", "delete"):
        unchanged = [path for path in TARGETS if not changes[name][path]]
        check(not unchanged, f"{name} changed the bytes of the full, level, author and JSON feeds"
              f" (unchanged: {unchanged or 'none'})")
    check(not any(changes[name][UNTOUCHED] for name in changes), f"no write changed {UNTOUCHED}")
    check(not any(changes["update-old"][path] for path in ("/feed.atom", "/feed.json")),
          "update-old (an article on no first page of the full feeds) left the full feeds' bytes alone")
    time.sleep(args.settle)
    stray = events.notifications(since=0)
    counted = sum(row[3] for row in rows)
    check(len(stray) == counted, f"no push outside the writes' windows ({len(stray) - counted} stray)")
    untouched = [e for e in stray if e["topic"] == topics[UNTOUCHED]]
    check(not untouched, f"{UNTOUCHED}, which no write changed, was never pushed (got {len(untouched)})")
    return finish(rows)


def finish(rows):
    if rows:
        print(f"{'feed':<34} {'write':<11} {'changed':<8} {'delivered':<10} {'seconds':>8} {'pushes':>7}")
        for path, name, changed, count, delay in rows:
            seconds = f"{delay:.2f}" if delay is not None else "-"
            print(f"{path:<34} {name:<11} {'yes' if changed else 'no':<8} {'yes' if count else 'no':<10}"
                  f" {seconds:>8} {count:>7}")
    return checks.verdict()


if __name__ == "__main__":
    sys.exit(main())
