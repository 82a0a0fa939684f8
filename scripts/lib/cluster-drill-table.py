"""The table of scripts/cluster-drill, from what the drill left in its work directory.

    python3 cluster-drill-table.py WORKDIR > table

Reads, in WORKDIR:
  load.log    one background request a line: "EPOCH KIND STATUS SECONDS", KIND being read,
              conditional or write (STATUS 000: no answer within curl's time limit);
  phases      "EPOCH NAME" when each phase began ("end" closes the last one);
  notes       "PHASE TEXT...": what a phase measured (lag, time to recover...);
  nginx/access.log  nginx's own log, "MSEC|STATUS|CACHE STATUS|UPSTREAM STATUSES|..." (every
              request through nginx, the phases' own included): how nginx answered and
              what the instances answered it.

Prints the table (Markdown) on stdout. Every background request is judged by its phase's
rule below; on stderr it names each phase whose background requests broke it, and it exits
with the number of such phases.

  - reads and conditional reads: 200 (304 for conditional ones) in every phase: nginx
    answers from the instances left, the replica, or its stale copy;
  - writes: 201 while the primary runs; 201 or 503 in the phases that stop or start it;
    201 or 502 when an instance is killed: a POST already sent to it may have been
    committed, so nginx does not pass it on (a client retries it with its Idempotency-Key).

A request is counted in the phase it began in, and judged by the rules of the phases it
began and ended in: a write sent just before the primary stops may reach the instance after
it has, and its 503 is right; one sent to instance C just before the kill ends in 502.
"""

import collections
import sys

WRITES_ALLOWED = {
    "instance killed": ("201", "502"),
    "primary down": ("201", "503"),
    "primary and replica down": ("201", "503"),
    "primary back": ("201", "503"),
}


def lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [line.split() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def open_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]
    except FileNotFoundError:
        return []


def phase_at(phases, t):
    """The name of the phase under way at time t, or None outside them."""
    for (start, name), (end, _) in zip(phases, phases[1:]):
        if start <= t < end:
            return name
    return None


def percentile(values, p):
    """The nearest-rank percentile of a sorted list, in milliseconds."""
    if not values:
        return "-"
    rank = max(1, -(-len(values) * p // 100))
    return f"{values[int(rank) - 1] * 1000:.1f}"


def counts(statuses):
    if not statuses:
        return "-"
    return " ".join(f"{n}×{s}" for s, n in sorted(collections.Counter(statuses).items()))


def allowed(phase, kind, status):
    if kind == "read":
        return status == "200"
    if kind == "conditional":
        return status in ("200", "304")
    return status in WRITES_ALLOWED.get(phase, ("201",))


def main():
    workdir = sys.argv[1]
    phases = [(float(t), " ".join(name)) for t, *name in lines(f"{workdir}/phases")]
    notes = collections.defaultdict(list)
    for fields in lines(f"{workdir}/notes"):
        notes[fields[0].replace("_", " ")].append(" ".join(fields[1:]))
    requests = collections.defaultdict(list)
    for fields in lines(f"{workdir}/load.log"):
        if len(fields) < 4:
            continue
        name = phase_at(phases, float(fields[0]))
        if name is not None:
            seconds = float(fields[3])
            ended_in = phase_at(phases, float(fields[0]) + seconds) or name
            requests[(name, fields[1])].append((fields[2], seconds, ended_in))

    cache = collections.defaultdict(list)
    upstream = collections.defaultdict(list)
    for line in open_lines(f"{workdir}/nginx/access.log"):
        fields = line.split("|")
        if len(fields) < 4:
            continue
        name = phase_at(phases, float(fields[0]))
        if name is None:
            continue
        if fields[2] not in ("", "-"):
            cache[name].append(fields[2])
        for answer in fields[3].replace(":", ",").split(","):
            if answer.strip() not in ("", "-"):
                upstream[name].append(answer.strip())

    print("| phase | s | reads | read p50/p99 ms | conditional reads | writes | write p50/p99 ms "
          "| nginx cache | upstream attempts | measured |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    broken = []
    for (start, name), (end, _) in zip(phases, phases[1:]):
        cells = [name, f"{end - start:.1f}"]
        for kind in ("read", "conditional", "write"):
            seen = requests[(name, kind)]
            cells.append(counts([s for s, _, _ in seen]))
            if kind != "conditional":
                times = sorted(t for s, t, _ in seen if s != "000")
                cells.append(f"{percentile(times, 50)}/{percentile(times, 99)}")
            bad = [
                s
                for s, _, ended_in in seen
                if not (allowed(name, kind, s) or allowed(ended_in, kind, s))
            ]
            if bad:
                broken.append(f"{name}: {kind}s answered {counts(bad)}")
        cells.append(counts(cache[name]))
        cells.append(counts(upstream[name]))
        cells.append("; ".join(notes.get(name, [])) or "")
        print("| " + " | ".join(cells) + " |")
    for problem in broken:
        print(f"[engfeed] cluster-drill: background load broke its rule in phase {problem}", file=sys.stderr)
    return len(broken)


if __name__ == "__main__":
    sys.exit(main())
