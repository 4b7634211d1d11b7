#!/usr/bin/env python3
"""The HTTP side of bench/store-bench.sh: user changes through the API
(PUT /access/users/{userid} comment=...) on one keep-alive connection,
one after the other, timed from the request to the end of the answer.

  put   --node PORT:CERT ... -n N: N changes; prints "p50 p90 p99 max" (ms)
  seen  --node A --node B --mirror-b DIR -n N --how mirror|api: after each
        change acknowledged by A, how long until B has it: --how mirror
        polls B's local/mirror/current every --poll-ms (default 1) until
        it names a revision at least that of user.cfg in A's snapshot
        (A's mirror has the commit when A answers; its own revision may be
        newer, an unlock); --how api asks B's API for the user
        (GET /access/users/{userid}) back to back until the new comment
        shows.  Prints "p50 p90 p99 max at_ack" (ms; at_ack: changes B
        had already when A answered).

Every node shares one store, so a ticket from the first node is good on
all of them.  Exit status 1 when an answer is not a 200."""
import argparse
import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("cmd", choices=["put", "seen"])
ap.add_argument("--node", action="append", required=True,
                help="PORT:CERT of a node (seen: A first, then B)")
ap.add_argument("--user", required=True, help="who logs in")
ap.add_argument("--password", required=True)
ap.add_argument("--subject", required=True, help="the user changed")
ap.add_argument("--mirror-a")
ap.add_argument("--mirror-b")
ap.add_argument("--how", choices=["mirror", "api"], default="mirror")
ap.add_argument("--poll-ms", type=float, default=1.0)
ap.add_argument("--tag", default="store-bench")
ap.add_argument("-n", type=int, default=200)
a = ap.parse_args()


class Node:
    def __init__(self, spec):
        port, cert = spec.split(":", 1)
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        self.conn = http.client.HTTPSConnection("127.0.0.1", int(port),
                                                context=ctx, timeout=120)

    def call(self, method, path, body=None, headers=None):
        self.conn.request(method, "/api2/json" + path, body, headers or {})
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit("store-client: %s %s: HTTP %d %s" % (
                method, path, r.status, data[:200]))
        return data


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
nodes = [Node(s) for s in a.node]
login = json.loads(nodes[0].call("POST", "/access/ticket",
                                 urllib.parse.urlencode({
                                     "username": a.user,
                                     "password": a.password}), FORM))["data"]
auth = {"Cookie": "PVEAuthCookie=" + urllib.parse.quote(login["ticket"],
                                                        safe=""),
        "CSRFPreventionToken": login["CSRFPreventionToken"]}
upath = "/access/users/" + urllib.parse.quote(a.subject, safe="@")


def change(node, i):
    """PUT a new comment; the comment set."""
    comment = "%s %d %d" % (a.tag, os.getpid(), i)
    node.call("PUT", upath, urllib.parse.urlencode({"comment": comment}),
              dict(auth, **FORM))
    return comment


def mirror_rev(d):
    try:
        return int(os.readlink(os.path.join(d, "local/mirror/current"))[1:])
    except (OSError, ValueError):
        return 0


def user_cfg_rev(d):
    """The revision of user.cfg's last change in d's current snapshot."""
    with open(os.path.join(d, "local/mirror/current/.cfs/index")) as f:
        files = json.load(f)["files"]
    return next(e["mod"] for e in files if e["rel"] == "user.cfg")


def pct(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2], v[n * 9 // 10], v[min(n - 1, n * 99 // 100)], v[-1]


t = []
at_ack = 0
for i in range(a.n):
    t0 = time.monotonic()
    comment = change(nodes[0], i)
    acked = time.monotonic()
    if a.cmd == "put":
        t.append((acked - t0) * 1000)
        continue
    if a.how == "mirror":
        want = user_cfg_rev(a.mirror_a)
        if mirror_rev(a.mirror_b) >= want:
            at_ack += 1
        while mirror_rev(a.mirror_b) < want:
            time.sleep(a.poll_ms / 1000)
    else:
        first = True
        while json.loads(nodes[1].call("GET", upath, None, auth))[
                "data"].get("comment") != comment:
            first = False
        at_ack += first
    t.append((time.monotonic() - acked) * 1000)
out = "%.2f %.2f %.2f %.2f" % pct(t)
print(out if a.cmd == "put" else "%s %d" % (out, at_ack))
