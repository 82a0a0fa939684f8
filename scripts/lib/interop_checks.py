"""The outcome of an interop run: checks printed as they happen, and one verdict line
('N passed, N failed') at the end. Shared by interop-websub.py and interop-newsboat.py."""

import sys


class Checks:
    def __init__(self, script):
        self.script = script
        self.results = []  # (ok, message)

    def check(self, ok, message):
        self.results.append((bool(ok), message))
        print(("ok   " if ok else "FAIL ") + message, file=sys.stderr, flush=True)
        return ok

    def say(self, message):
        print(f"[engfeed] {self.script}: {message}", file=sys.stderr, flush=True)

    def verdict(self):
        """Prints every failure and the counts; the process's exit status."""
        failed = [message for ok, message in self.results if not ok]
        for message in failed:
            print(f"FAILED: {message}")
        print(f"{len(self.results) - len(failed)} passed, {len(failed)} failed")
        return 1 if failed else 0
