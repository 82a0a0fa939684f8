"""Turns check-feeds' output on the live feeds (stdin) into the Markdown table of
docs/FEED-VALIDATION.md: one row per kind of feed, one column per validator.

Usage: validation-table.py < check-live-feeds.log
"""

import re
import sys
from collections import OrderedDict

ALLOWED = re.compile(r"WARN\s+\[w3c\] .*Use of unknown namespace: (\S+) \(UnknownNamespace\)$")
VALIDATORS = ["xmllint", "relaxng", "w3c", "feedparser", "jsonschema", "rules"]


def kind(path):
    path = re.sub(r"^https?://[^/]+", "", path)
    if "cursor=" in path:
        return "page 2 (RFC 5005 `next`)"
    if "source=" in path and "&" not in path:
        return "one source (`?source=`)"
    if "?" in path:
        return "combined filters (" + path.split("?", 1)[1].replace("|", "\\|") + ")"
    if path.startswith("/levels/"):
        return "one level (3 levels)"
    if path.startswith("/authors/"):
        return "one author (every author)"
    return "full feed"


rows = OrderedDict()
failing = None  # (row, findings) of the FAIL block being read


def settle():
    """Counts the FAIL block just read as allowed (only the namespace warning) or failed."""
    if failing is None:
        return
    row, findings = failing
    if findings and all(ALLOWED.match(f) for f in findings):
        row["allowed"] += 1
    else:
        row["failed"] += 1


for line in sys.stdin:
    line = line.rstrip("\n")
    head = re.match(r"^(PASS|FAIL)\s+(http\S+)\s+\[([^;]+); checked by: ([^\]]*)\]", line)
    if head:
        settle()
        verdict, url, fmt, checked = head.groups()
        fmt = {"RSS 2.0": "RSS", "Atom 1.0": "Atom", "JSON Feed": "JSON"}.get(fmt, fmt)
        used = {re.sub(r"\(.*", "", v.strip()) for v in checked.split(",")}
        row = rows.setdefault(
            (kind(url), fmt), {"feeds": 0, "failed": 0, "allowed": 0, "used": used}
        )
        row["feeds"] += 1
        failing = (row, []) if verdict == "FAIL" else None
    elif failing is not None and line.startswith((" ", "\t")) and line.strip():
        failing[1].append(line.strip())
    else:
        settle()
        failing = None
settle()

print("| feed variant | format | feeds | " + " | ".join(VALIDATORS) + " | result |")
print("|---|---|---|" + "---|" * len(VALIDATORS) + "---|")
for (variant, fmt), row in rows.items():
    cells = []
    for validator in VALIDATORS:
        if validator not in row["used"]:
            cells.append("n/a")
        elif validator == "w3c" and row["allowed"]:
            cells.append(f"pass ({row['allowed']} with the allowed namespace warning)")
        elif row["failed"]:
            cells.append("see result")
        else:
            cells.append("pass")
    result = "all pass" if not row["failed"] else f"{row['failed']} FAILED"
    print(f"| {variant} | {fmt} | {row['feeds']} | " + " | ".join(cells) + f" | {result} |")
