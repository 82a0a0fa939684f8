"""The driver of scripts/interop-newsboat: Debian's newsboat reads engfeed's feeds, one
cache per feed, reloaded with `newsboat -x reload` after each admin write, and its cache
(SQLite) is checked. Python's standard library only.

Feeds: the full feed in RSS and Atom, the advanced level's feed in RSS and Atom.
Steps, each followed by a reload of every cache (a second or more after the write, as
readers polling minutes apart do: newsboat sends If-Modified-Since with whole seconds):
    subscribe   the first reload;
    edit        PATCH the title of the second-newest advanced article;
    create      POST a new advanced article;
    re-import   POST /api/v1/import with the seed catalogue again.
After every reload, in every cache:
    once        no guid twice, and every item of the feed as served is in the cache;
    order       sorted by pubDate (newest first), the items follow engfeed's listing order
                (GET /api/v1/articles, filtered like the feed): each item strictly newer
                than the next, as a reader sorting by date with no tie-breaker needs.
And per step:
    edit        the item keeps its guid and shows the new title; the cache holds no more
                items than before;
    create      the new article is in the cache once, unread, and the only unread item
                (everything was marked read before the write, as by a reader);
    re-import   no item added, none unread, and the edited title kept (re-import keeps an
                editor's changes).
Prints a table and "N passed, M failed"; exits 1 when any check failed.

Usage: interop-newsboat.py --engfeed URL --token TOKEN --seed FILE --state DIR
"""

import argparse
import collections
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

from interop_checks import Checks

FEEDS = [
    ("full RSS", "/feed.rss", None),
    ("full Atom", "/feed.atom", None),
    ("level RSS", "/levels/advanced/feed.rss", "advanced"),
    ("level Atom", "/levels/advanced/feed.atom", "advanced"),
]
ATOM = "{http://www.w3.org/2005/Atom}"
CONFIG = """\
# newsboat for scripts/interop-newsboat: loopback only, no proxy, every item kept.
reload-threads 1
download-timeout 30
max-items 0
keep-articles-days 0
use-proxy no
user-agent "newsboat (engfeed scripts/interop-newsboat)"
"""

checks = Checks("interop-newsboat")
check, say = checks.check, checks.say
rows = []  # (step, feed label, items, unread, ties, inversions)


class Engfeed:
    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def request(self, method, path, body=None, headers=None, expect=(200,)):
        request = urllib.request.Request(self.base + path, method=method, data=body, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            if error.code in expect:
                return error.code, dict(error.headers), error.read()
            raise SystemExit(f"{method} {path}: HTTP {error.code}: {error.read()[:500]!r}")

    def api(self, method, path, payload=None, raw=None, headers=None, expect=(200,)):
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        body = raw
        if payload is not None:
            body = json.dumps(payload).encode()
        if body is not None:
            headers["Content-Type"] = "application/json"
        status, response_headers, data = self.request(method, "/api/v1" + path, body, headers, expect)
        if status not in expect:
            raise SystemExit(f"{method} /api/v1{path}: HTTP {status}: {data[:500]!r}")
        return response_headers, (json.loads(data) if data else None)

    def listing(self, level):
        """Every live article in listing order (newest first), filtered like the feed."""
        articles, path = [], "/articles?limit=200" + (f"&level={level}" if level else "")
        while path:
            _, page = self.api("GET", path)
            articles += page["articles"]
            nxt = page.get("next")
            path = nxt[len(self.base + "/api/v1"):] if nxt else None
        return articles

    def feed_guids(self, path):
        """The guids (RSS) or ids (Atom) of the feed as served, in document order."""
        _, _, body = self.request("GET", path)
        root = ET.fromstring(body)
        if root.tag == "rss":
            return [item.findtext("guid") for item in root.iter("item")]
        return [entry.findtext(ATOM + "id") for entry in root.iter(ATOM + "entry")]

    def edit(self, article_id, changes):
        """PATCH naming the version just read (If-Match), as a careful editor does."""
        headers, _ = self.api("GET", f"/articles/{article_id}")
        etag = headers.get("ETag") or headers.get("etag")
        return self.api("PATCH", f"/articles/{article_id}", changes, headers={"If-Match": etag} if etag else {})


class Reader:
    """One newsboat cache subscribed to one feed."""

    def __init__(self, state, label, url, env):
        self.label, self.url, self.env = label, url, env
        self.dir = os.path.join(state, label.replace(" ", "-"))
        os.makedirs(self.dir, exist_ok=True)
        self.urls = os.path.join(self.dir, "urls")
        self.cache = os.path.join(self.dir, "cache.db")
        self.config = os.path.join(self.dir, "config")
        self.log = os.path.join(self.dir, "newsboat.log")
        with open(self.urls, "w", encoding="utf-8") as urls:
            urls.write(url + "\n")
        with open(self.config, "w", encoding="utf-8") as config:
            config.write(CONFIG)

    def reload(self):
        command = ["newsboat", "-u", self.urls, "-c", self.cache, "-C", self.config,
                   "-l", "3", "-d", self.log, "-x", "reload"]
        done = subprocess.run(command, env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=60, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)}: exit {done.returncode}: {done.stderr.decode()[-1000:]}")

    def items(self):
        """{guid: row} and the list of all guids (duplicates kept) in the cache."""
        with sqlite3.connect(f"file:{self.cache}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            found = db.execute("SELECT guid, title, pubDate, unread, deleted FROM rss_item WHERE feedurl = ?",
                               (self.url,)).fetchall()
        return {row["guid"]: dict(row) for row in found}, [row["guid"] for row in found]

    def mark_all_read(self):
        with sqlite3.connect(self.cache) as db:
            db.execute("UPDATE rss_item SET unread = 0")

    def log_tail(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as log:
                return "".join(log.readlines()[-15:])
        except FileNotFoundError:
            return "(no log)"


def check_cache(step, engfeed, reader, level):
    """The checks made after every reload; returns the cache's items by guid."""
    items, guids = reader.items()
    served = engfeed.feed_guids(reader.url[len(engfeed.base):])
    listing = ["urn:uuid:" + article["id"] for article in engfeed.listing(level)]
    twice = [guid for guid, count in collections.Counter(guids).items() if count > 1]
    missing = [guid for guid in served if guid not in items]
    ok = check(guids and not twice and not missing,
               f"{step}: {reader.label}: {len(guids)} items, each once; all {len(served)} served items cached"
               f" (twice: {twice or 'none'}; missing: {missing or 'none'})")
    if not ok and not guids:
        print(reader.log_tail(), file=sys.stderr)
    in_listing = [guid for guid in listing if guid in items]
    stray = [guid for guid in items if guid not in listing]
    dates = [items[guid]["pubDate"] for guid in in_listing]
    ties = sum(1 for a, b in zip(dates, dates[1:]) if a == b)
    inversions = sum(1 for a, b in zip(dates, dates[1:]) if a < b)
    check(not ties and not inversions and not stray,
          f"{step}: {reader.label}: sorted by pubDate the items follow the listing order"
          f" ({ties} pairs share a second, {inversions} out of order, {len(stray)} not listed)")
    unread = sum(1 for row in items.values() if row["unread"])
    rows.append((step, reader.label, len(items), unread, ties, inversions))
    return items


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engfeed", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--pause", type=float, default=1.5, help="seconds between a write and the reload")
    args = parser.parse_args()
    engfeed = Engfeed(args.engfeed, args.token)

    home = os.path.join(args.state, "home")
    os.makedirs(home, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"), no_proxy="*", NO_PROXY="*")
    readers = [(Reader(args.state, label, engfeed.base + path, env), level) for label, path, level in FEEDS]

    def reload_all(step):
        time.sleep(args.pause)
        for reader, _ in readers:
            reader.reload()
        return {reader.label: check_cache(step, engfeed, reader, level) for reader, level in readers}

    say("subscribe: the first reload of " + ", ".join(reader.url for reader, _ in readers))
    before = reload_all("subscribe")
    for reader, _ in readers:
        check(all(row["unread"] for row in before[reader.label].values()),
              f"subscribe: {reader.label}: every item is new (unread)")
        reader.mark_all_read()

    target = engfeed.listing("advanced")[1]
    guid = "urn:uuid:" + target["id"]
    new_title = target["title"] + " (edited by interop-newsboat)"
    say(f"edit: PATCH the title of {target['id']} to {new_title!r}")
    engfeed.edit(target["id"], {"title": new_title})
    after = reload_all("edit")
    for reader, _ in readers:
        items, guids = reader.items()
        check(guids.count(guid) == 1 and items.get(guid, {}).get("title") == new_title,
              f"edit: {reader.label}: the item {guid} is there once, with the new title"
              f" (found {guids.count(guid)}, title {items.get(guid, {}).get('title')!r})")
        check(len(after[reader.label]) == len(before[reader.label]),
              f"edit: {reader.label}: no item added ({len(before[reader.label])} -> {len(after[reader.label])})")
        reader.mark_all_read()
    before = after

    say("create: POST a new advanced article")
    _, created = engfeed.api("POST", "/articles", {
        "title": "Newsboat interop probe", "summary": "Created by scripts/interop-newsboat.",
        "author": "James Beswick", "level": "advanced", "read_minutes": 5,
        "includes_code": False, "has_summary": True, "source": "Stripe"}, expect=(201,))
    new_guid = "urn:uuid:" + created["id"]
    after = reload_all("create")
    for reader, _ in readers:
        items, guids = reader.items()
        unread = sorted(g for g, row in items.items() if row["unread"])
        check(guids.count(new_guid) == 1 and unread == [new_guid],
              f"create: {reader.label}: the new article is there once and is the only unread item"
              f" (found {guids.count(new_guid)}; unread: {unread})")
        check(len(after[reader.label]) == len(before[reader.label]) + 1,
              f"create: {reader.label}: one item added ({len(before[reader.label])} -> {len(after[reader.label])})")
        reader.mark_all_read()
    before = after

    say(f"re-import: POST /api/v1/import with {args.seed}")
    with open(args.seed, "rb") as seed:
        _, answer = engfeed.api("POST", "/import", raw=seed.read())
    say(f"re-import answered {json.dumps(answer)}")
    check(answer.get("created") == 0, f"re-import: engfeed created nothing (answer: {json.dumps(answer)})")
    after = reload_all("re-import")
    for reader, _ in readers:
        items, _ = reader.items()
        added = sorted(set(items) - set(before[reader.label]))
        unread = sorted(g for g, row in items.items() if row["unread"])
        check(not added and not unread,
              f"re-import: {reader.label}: no item added, none unread (added: {added or 'none'};"
              f" unread: {unread or 'none'})")
        title = items.get(guid, {}).get("title")
        check(title == new_title, f"re-import: {reader.label}: the edited title is kept (cache: {title!r})")

    print(f"{'step':<10} {'feed':<11} {'items':>6} {'unread':>7} {'same-second pairs':>18} {'out of order':>13}")
    for step, label, count, unread, ties, inversions in rows:
        print(f"{step:<10} {label:<11} {count:>6} {unread:>7} {ties:>18} {inversions:>13}")
    return checks.verdict()


if __name__ == "__main__":
    sys.exit(main())
