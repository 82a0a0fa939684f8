"""Writes a synthetic catalogue in the import format: COUNT articles starting at FIRST,
repeatable (seeded), with varied titles and summaries, ~2,000 authors, three levels, a
handful of sources, and dates spread over ten years (newest first).

Usage: synthetic-catalogue.py FIRST COUNT > file.json
"""

import json
import random
import sys
from datetime import datetime, timedelta, timezone

first, count = int(sys.argv[1]), int(sys.argv[2])
WORDS = (
    "cache shard queue latency ledger index replica webhook retry idempotent stream batch "
    "payment billing invoice refund subscription tax currency fraud risk dispute payout "
    "terminal reader checkout session token vault compliance audit migration schema rust "
    "postgres kafka lambda serverless observability tracing metrics alerting incident "
    "rollout canary feature flag experiment latency throughput consistency partition"
).split()
SOURCES = ["Stripe", "Acme", "Globex", "Initech", "Umbrella", "Hooli"]
LEVELS = ["beginner", "intermediate", "advanced"]
epoch = datetime(2026, 11, 1, tzinfo=timezone.utc)

out = sys.stdout
out.write("[")
for n in range(first, first + count):
    rng = random.Random(n)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize()
    summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))).capitalize() + "."
    # Article n is older than article n - 1: about five minutes apart, over ten years at 1M.
    published = epoch - timedelta(seconds=n * 300 + rng.randint(0, 299))
    item = {
        "title": f"{title} #{n}",
        "summary": summary,
        "author": f"Author {rng.randint(1, 2000)}",
        "level": rng.choice(LEVELS),
        "read_minutes": rng.randint(1, 40),
        "includes_code": rng.random() < 0.4,
        "has_summary": True,
        "source": rng.choice(SOURCES),
        "url": f"https://{rng.choice(SOURCES).lower()}.example/posts/{n}",
        "published_at": published.isoformat().replace("+00:00", "Z"),
    }
    out.write(("\n" if n == first else ",\n") + json.dumps(item))
out.write("\n]\n")
