"""Reads check-feeds' output on stdin and decides: every feed must pass, where a feed whose
only findings are W3C "Use of unknown namespace" warnings for the namespaces named on the
command line counts as passing. Prints one summary line; exits 1 on any other finding.

Usage: judge-check-feeds.py EXPECTED_FEED_COUNT NAMESPACE...
"""

import re
import sys

expected = int(sys.argv[1])
allowed = set(sys.argv[2:])
unknown_namespace = re.compile(r"^WARN\s+\[w3c\] .*Use of unknown namespace: (\S+) \(UnknownNamespace\)$")

feeds = []  # (verdict, url, findings)
for line in sys.stdin:
    line = line.rstrip("\n")
    head = re.match(r"^(PASS|FAIL)\s+(\S+)", line)
    if head:
        feeds.append((head.group(1), head.group(2), []))
    elif line.startswith((" ", "\t")) and feeds and line.strip():
        feeds[-1][2].append(line.strip())


def tolerated(finding):
    match = unknown_namespace.match(finding)
    return bool(match) and match.group(1) in allowed


failed = []  # (url, findings that are not tolerated)
allowed_only = 0
for verdict, url, findings in feeds:
    if verdict == "PASS":
        continue
    real = [f for f in findings if not tolerated(f)]
    if findings and not real:
        allowed_only += 1
    else:
        failed.append((url, real))

if len(feeds) != expected:
    print(f"check-feeds reported on {len(feeds)} feeds; expected {expected}")
    sys.exit(1)
if failed:
    for url, findings in failed:
        print(f"FAILED {url}: " + "; ".join(findings or ["(no finding given)"]))
    print(f"{len(failed)} of {expected} feeds failed check-feeds")
    sys.exit(1)
print(
    f"all {expected} live feeds passed check-feeds "
    f"({allowed_only} of them with only the allowed W3C unknown-namespace warnings)"
)
