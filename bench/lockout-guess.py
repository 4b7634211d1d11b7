#!/usr/bin/env python3
"""Password guessers for bench/lockout-bench.sh: CONCURRENCY connections
from SOURCE, each posting wrong passwords to /access/ticket without pause
(the next guess as soon as the 401 is in) for SECONDS.  With --spray N the
guesses go round users PREFIX0..PREFIX<N-1>@pve, else all at --user.
Prints one JSON line: sent, answers by status, guesses per second."""
import argparse
import http.client
import json
import ssl
import threading
import time
import urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--cert", required=True)
ap.add_argument("--source", required=True)
ap.add_argument("--user")
ap.add_argument("--spray")
ap.add_argument("-n", type=int, default=60)
ap.add_argument("-c", "--concurrency", type=int, default=100)
ap.add_argument("-s", "--seconds", type=float, default=15)
a = ap.parse_args()

ctx = ssl.create_default_context(cafile=a.cert)
ctx.check_hostname = False
lock = threading.Lock()
status = {}
counter = [0]
deadline = time.monotonic() + a.seconds


def guesser(k):
    conn = None
    while time.monotonic() < deadline:
        with lock:
            i = counter[0]
            counter[0] += 1
        user = a.user if a.spray is None else "%s%d@pve" % (a.spray, i % a.n)
        body = urllib.parse.urlencode({"username": user,
                                       "password": "guess-%d-%d" % (k, i)})
        try:
            if conn is None:
                conn = http.client.HTTPSConnection(
                    "127.0.0.1", a.port, context=ctx, timeout=60,
                    source_address=(a.source, 0))
            conn.request("POST", "/api2/json/access/ticket", body, {
                "Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            r.read()
            code = r.status
        except (OSError, http.client.HTTPException):
            code = 0
            conn = None
        with lock:
            status[code] = status.get(code, 0) + 1


t0 = time.monotonic()
threads = [threading.Thread(target=guesser, args=(k,))
           for k in range(a.concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - t0
sent = sum(status.values())
print(json.dumps({"sent": sent, "status": status, "seconds": round(took, 1),
                  "per_second": round(sent / took, 1)}))
