#!/usr/bin/env python3
"""Reads meson's testlog.json and prints the closing line CI reads:
'N passed, N failed'.  Skips, timeouts and unexpected passes count as
failures; exits 1 if anything failed."""
import json
import sys

passed = failed = 0
bad = []
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        if t.get("result") == "OK" or t.get("result") == "EXPECTEDFAIL":
            passed += 1
        else:
            failed += 1
            bad.append(f"{t.get('name')}: {t.get('result')}")
for b in bad:
    print("FAILED " + b)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
