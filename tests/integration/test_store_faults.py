"""
Faults and consistency of the etcd config store (issue 11, items 4, 6, 7),
against a real 3-member etcd (tests/etcd/etcd-cluster.sh) and up to three
`realmgate serve` nodes, each with a config directory of its own, all on
127.0.0.1 and sharing one prefix of the store; CLI processes write beside
them with config directories of their own.

What is proved, test by test:
  - concurrent writers on every node and in CLI processes lose nothing:
    every acknowledged write (HTTP 200, CLI status 0) is there on every
    node and in `store export`;
  - a register (the pve realm's comment, updated with domains.cfg's digest
    as compare-and-swap) is linearizable for writes and, for reads, as
    consistent as the design promises (see test_register_...);
  - an etcd member SIGKILLed under mixed load (logins, permission checks,
    writes): reads never fail, writes only while the cluster elects, and
    nothing acknowledged is lost;
  - a realmgate node SIGKILLed (its whole process tree) holding a lock: the
    other nodes go on, the lock expires with the dead node's lease;
  - quorum lost: tickets, tokens and permission checks keep working from
    the last snapshot, writes fail within seconds naming the store, and a
    refused write never shows up afterwards; quorum back: writes work
    again by themselves and a change reaches every node within 1 s;
  - an unreachable store at start: the CLI and `serve` fail at once, naming
    the store;
  - fencing: a writer paused past its lease (REALMGATE_TEST_STOP_AT, a
    debug build's SIGSTOP at the top of the commit, what it read read and
    its locks held) cannot commit after it wakes, whether or not another
    writer took its lock;
  - an answer lost on its way back from etcd (a proxy in front of one
    member): a lock taken that way is ours, a commit landed that way is
    reported as written;
  - a lock held when quorum goes, whose commit and release then fail, is
    free again about a lease after quorum is back;
  - a write without a lock (the CSRF key's creation) never lands over a
    change that it did not read.
Leases are 3 s here (?lease-ttl=3), so lost locks come back fast.
"""
import base64
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests

import etcd_store
from conftest import (BIN, PASSWORDS, STORES, cli, closed_port, seed,
                      start_server, stop_server)

LEASE_TTL = 3
# a node's mirror follows the store within this (the design's promise:
# a change made on one node shows on the others within a second)
STALE_MAX = 1.0


# ---------------------------------------------------------------------------
# processes

def process_tree(pid):
    """pid and every process below it (from /proc)."""
    children = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(p))
    tree = [pid]
    for p in tree:
        tree.extend(children.get(p, []))
    return tree


def signal_all(pids, sig):
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def proc_state(pid):
    """The state letter of /proc/PID/stat ("T": stopped), None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def wait_for(what, cond, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("%s: not within %.1f s" % (what, timeout))
        time.sleep(step)


def timed(fn, *args, **kw):
    """(fn's result or its requests exception, seconds it took)."""
    t0 = time.monotonic()
    try:
        r = fn(*args, **kw)
    except requests.RequestException as e:
        r = e
    return r, time.monotonic() - t0


def in_parallel(calls):
    """Run the (fn, args...) at once; their results in order."""
    out = [None] * len(calls)

    def one(k):
        out[k] = timed(*calls[k])
    threads = [threading.Thread(target=one, args=(k,))
               for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def stopped_in_tree(pid):
    """A process of the tree stopped by REALMGATE_TEST_STOP_AT, or None."""
    for p in process_tree(pid):
        if proc_state(p) == "T":
            return p
    return None


# ---------------------------------------------------------------------------
# an etcd member whose answer to one request is lost

class AnswerLost:
    """An HTTP/1.1 proxy on 127.0.0.1 in front of one etcd member that
    passes every request and answer, except that the answer to the first
    request whose body holds `needle` (once armed) never comes back: the
    request reaches etcd, which applies it, then the client's connection
    is closed.  To the client the outcome of that request is unknown."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.needle = None
        self.fired = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, needle):
        self.needle = needle

    def close(self):
        self.closing = True
        self.sock.close()

    def _accept(self):
        while not self.closing:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    @staticmethod
    def _relay(f, out):
        """Read one HTTP message from file f, passing it piece by piece
        (a watch answer never ends) to out(bytes); False at the end."""
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = f.readline()
            if not line:
                return False
            head += line
        out(head)
        low = head.lower()
        if b"transfer-encoding: chunked" in low:
            while True:
                size = f.readline()
                n = int(size.split(b";")[0], 16)
                out(size + f.read(n + 2))
                if n == 0:
                    return True
        for line in low.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                out(f.read(int(line.split(b":")[1])))
        return True

    def _serve(self, c):
        try:
            u = socket.create_connection(("127.0.0.1", self.upstream))
        except OSError:
            c.close()
            return
        cf, uf = c.makefile("rb"), u.makefile("rb")
        try:
            while True:
                req = []
                if not self._relay(cf, req.append):
                    return
                req = b"".join(req)
                u.sendall(req)
                lose = self.needle is not None and \
                    not self.fired.is_set() and self.needle in req
                if not self._relay(uf, (lambda b: None) if lose else
                                   c.sendall):
                    return
                if lose:
                    self.fired.set()
                    return
        except (OSError, ValueError):
            return
        finally:
            for s in (c, u):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


# ---------------------------------------------------------------------------
# the grid: a 3-member etcd, a prefix in it, nodes and CLI directories

@pytest.fixture(scope="module")
def seeded():
    """A config directory seeded as conftest.seed() does, in directory
    mode (fast); every grid imports it into its own store."""
    d = tempfile.mkdtemp(prefix="realmgate-faults-seed-")
    info = seed(d)
    yield d, info["tokens"]
    shutil.rmtree(d, ignore_errors=True)


class Grid:
    def __init__(self, seed_dir, tokens):
        self.tokens = tokens
        self.dirs = []
        self.nodes = []
        self.dead_nodes = set()
        self.dead_members = set()
        self.loads = []
        self.cluster = etcd_store.Cluster(3)
        self.url = self.cluster.url("rg", **{"lease-ttl": LEASE_TTL})
        # errors name the store: the client's by its endpoints, the
        # store's own (a lost lock) with the prefix too
        self.store_name = "etcd://" + self.cluster.endpoints
        self.cli_dir = self.new_dir()
        cli(self.cli_dir, "store", "import", seed_dir)

    def new_dir(self, url=None):
        d = tempfile.mkdtemp(prefix="realmgate-faults-")
        os.chmod(d, 0o755)      # the front reads the mirror
        STORES[d] = url or self.url
        self.dirs.append(d)
        return d

    def start_node(self, env=None, url=None):
        """A `serve` node on a directory of its own; env: variables for it
        alone (set only while it starts: load threads start later)."""
        d = self.new_dir(url)
        saved = dict(os.environ)
        os.environ.update(env or {})
        try:
            api = start_server(d, self.tokens, ["--workers", "2"])
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.nodes.append(api)
        return api

    def kill_node(self, api):
        """SIGKILL the node's every process (frozen first: the supervisor
        restarts nothing)."""
        tree = process_tree(api.proc.pid)
        signal_all(tree, signal.SIGSTOP)
        tree = process_tree(api.proc.pid)
        signal_all(tree, signal.SIGKILL)
        api.proc.wait(10)
        self.dead_nodes.add(api)

    def kill_member(self, i):
        self.dead_members.add(i)
        self.cluster.kill(i)

    def restart_member(self, i):
        try:
            self.cluster.restart(i)
        except subprocess.CalledProcessError as e:
            raise AssertionError("etcd member %d did not restart:\n%s" % (
                i, e.stderr.decode(errors="replace"))) from None
        self.dead_members.discard(i)

    def leader(self):
        """The 1-based number of the member that leads."""
        ports = [int(e.rsplit(":", 1)[1])
                 for e in self.cluster.endpoints.split(",")]
        ids = {}
        lead = None
        for i, port in enumerate(ports, 1):
            try:
                r = requests.post("http://127.0.0.1:%d/v3/maintenance/status"
                                  % port, json={}, timeout=2).json()
            except requests.RequestException:
                continue
            ids[r["header"]["member_id"]] = i
            lead = r.get("leader", lead)
        return ids.get(lead)

    def etcd_key(self, key):
        """(version, value) of a key, read from a live member."""
        for i, ep in enumerate(self.cluster.endpoints.split(","), 1):
            if i in self.dead_members:
                continue
            r = requests.post("http://%s/v3/kv/range" % ep, json={
                "key": base64.b64encode(key).decode()}, timeout=5).json()
            kv = r.get("kvs", [{}])[0]
            return (int(kv.get("version", 0)),
                    base64.b64decode(kv.get("value", "")))
        raise AssertionError("no etcd member alive")

    def export_text(self):
        """user.cfg as `store export` writes it."""
        d = tempfile.mkdtemp(prefix="realmgate-faults-export-")
        try:
            cli(self.cli_dir, "store", "export", d)
            with open(os.path.join(d, "user.cfg")) as f:
                return f.read()
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def export(self):
        return parse_user_cfg(self.export_text())

    def load(self, log=None):
        """Load threads, stopped at the latest when the grid closes."""
        load = Load(log)
        self.loads.append(load)
        return load

    def close(self):
        for load in self.loads:
            load.stop.set()
        for load in self.loads:
            for t in load.threads:
                t.join(60)
        for i in sorted(self.dead_members):
            try:
                self.cluster.restart(i)
            except Exception:       # noqa: BLE001 - stop it all anyway
                pass
        failures = []
        for api in self.nodes:
            if api in self.dead_nodes:
                continue
            try:
                stop_server(api)
            except BaseException as e:      # pytest.fail is BaseException
                failures.append(str(e))
                if api.proc.poll() is None:
                    signal_all(process_tree(api.proc.pid), signal.SIGKILL)
                    api.proc.wait()
        self.cluster.stop()
        for d in self.dirs:
            STORES.pop(d, None)
            shutil.rmtree(d, ignore_errors=True)
        assert not failures, "\n".join(failures)


@pytest.fixture
def grid(seeded):
    g = Grid(*seeded)
    yield g
    g.close()


def cli_in(d, *args, timeout=60):
    """The CLI on directory d; (returncode, stdout + stderr, seconds)."""
    t0 = time.monotonic()
    p = cli(d, *args, check=False, timeout=timeout)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


# ---------------------------------------------------------------------------
# what a configuration holds: users, groups with members, ACL entries

def parse_user_cfg(text):
    st = {"user": set(), "group": set(), "member": set(), "acl": set()}
    for line in text.splitlines():
        f = line.split(":")
        if f[0] == "user" and len(f) > 1:
            st["user"].add(f[1])
        elif f[0] == "group" and len(f) > 2:
            st["group"].add(f[1])
            for m in filter(None, f[2].split(",")):
                st["member"].add((m, f[1]))
        elif f[0] == "acl" and len(f) > 4:
            for ugid in f[3].split(","):
                for role in f[4].split(","):
                    st["acl"].add((f[2], ugid, role))
    return st


def api_state(session):
    """The same through a node's API (as an administrator)."""
    def data(path):
        r = session.get(path)
        assert r.status_code == 200, "%s: %d %s" % (path, r.status_code,
                                                    r.text)
        return r.json()["data"]
    st = {"user": set(), "group": set(), "member": set(), "acl": set()}
    for u in data("/access/users"):
        st["user"].add(u["userid"])
    for g in data("/access/groups"):
        st["group"].add(g["groupid"])
    for m in data("/access/groups/ops")["members"]:
        st["member"].add((m, "ops"))
    for a in data("/access/acl"):
        st["acl"].add((a["path"], a["ugid"], a["roleid"]))
    return st


def missing(state, keys):
    return sorted(k for k in keys if k[1] not in state[k[0]])


# ---------------------------------------------------------------------------
# the workload

class Log:
    """Every operation: its kind, the node or CLI, what it writes (a key
    of parse_user_cfg's state, e.g. ("user", "w1-3@pve")), the outcome
    (True: acknowledged, False: refused with an answer, None: unknown -
    no answer), status and message, and when it ran."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = []

    def add(self, **op):
        with self.lock:
            self.ops.append(op)

    def select(self, **match):
        with self.lock:
            return [o for o in self.ops
                    if all(o.get(k) == v for k, v in match.items())]


_ids = itertools.count(1)


def admin_session(api):
    return api.session("alice@pve")


def api_write(log, where, session, key, method, path, data):
    t0 = time.monotonic()
    try:
        r = session.request(method, path, data=data)
        ok, status, msg = r.status_code == 200, r.status_code, r.text
    except requests.RequestException as e:
        ok, status, msg = None, 0, repr(e)
    log.add(kind="write", where=where, key=key, ok=ok, status=status,
            msg=msg, t0=t0, t1=time.monotonic())
    return ok


def next_write(tag, mine):
    """The next write of a writer: a user, an ACL entry, a membership of
    one of its users in ops, or a group, in turn.  Returns (key, API
    request, CLI words)."""
    n = next(_ids)
    kind = n % 4
    if kind == 2 and mine:
        uid = mine.pop()
        return (("member", (uid, "ops")),
                ("PUT", "/access/users/" + uid,
                 {"groups": "ops", "append": "1"}),
                ("user", "modify", uid, "--groups", "ops", "--append", "1"))
    if kind == 1:
        path = "/vms/%d" % (100000 + n)
        return (("acl", (path, "bob@pve", "PVEAuditor")),
                ("PUT", "/access/acl", {"path": path, "users": "bob@pve",
                                        "roles": "PVEAuditor"}),
                ("acl", "modify", path, "--users", "bob@pve", "--roles",
                 "PVEAuditor"))
    if kind == 3:
        gid = "g%s-%d" % (tag, n)
        return (("group", gid), ("POST", "/access/groups", {"groupid": gid}),
                ("group", "add", gid))
    uid = "%s-%d@pve" % (tag, n)
    return (("user", uid), ("POST", "/access/users", {"userid": uid}),
            ("user", "add", uid))


def api_writer(log, api, tag, stop):
    session = None
    mine = []
    while not stop.is_set():
        if session is None:
            try:
                session = admin_session(api)
            except (AssertionError, requests.RequestException):
                time.sleep(0.2)
                continue
        key, (method, path, data), _ = next_write(tag, mine)
        if api_write(log, tag, session, key, method, path, data) and \
                key[0] == "user":
            mine.append(key[1])


def cli_writer(log, d, tag, stop):
    mine = []
    while not stop.is_set():
        key, _, words = next_write(tag, mine)
        t0 = time.monotonic()
        try:
            rc, out, _ = cli_in(d, *words)
            ok = rc == 0 if rc >= 0 else None   # killed: unknown
        except subprocess.TimeoutExpired as e:
            rc, out, ok = -1, repr(e), None
        log.add(kind="write", where=tag, key=key, ok=ok, status=rc,
                msg=out, t0=t0, t1=time.monotonic())
        if ok and key[0] == "user":
            mine.append(key[1])


def reader(log, api, tag, tokens, stop):
    """Logins, and permission checks with a ticket and with a token."""
    ticket = None
    tokenid = "alice@pve!full"
    while not stop.is_set():
        for kind in ("login", "perm-ticket", "perm-token"):
            t0 = time.monotonic()
            try:
                if kind == "login":
                    r = api.ticket_request("carol@pve",
                                           PASSWORDS["carol@pve"])
                    if r.status_code == 200:
                        ticket = r.json()["data"]["ticket"]
                elif kind == "perm-ticket":
                    if ticket is None:
                        continue
                    r = api.raw("GET", "/access/permissions",
                                cookies={"PVEAuthCookie": ticket})
                else:
                    r = api.raw("GET", "/access/permissions", headers={
                        "Authorization": "PVEAPIToken=%s=%s" %
                        (tokenid, tokens[tokenid])})
                ok, status, msg = r.status_code == 200, r.status_code, r.text
                if ok and kind != "login":
                    ok = "/vms" in r.json()["data"]
            except requests.RequestException as e:
                ok, status, msg = None, 0, repr(e)
            log.add(kind=kind, where=tag, key=None, ok=ok, status=status,
                    msg=msg, t0=t0, t1=time.monotonic())


class Load:
    """Threads running writers and readers until stopped."""

    def __init__(self, log=None):
        self.stop = threading.Event()
        self.threads = []
        self.log = log or Log()

    def run(self, fn, *args):
        """fn(log, *args, stop) in a thread of its own."""
        t = threading.Thread(target=fn, args=(self.log,) + args +
                             (self.stop,), daemon=True)
        t.start()
        self.threads.append(t)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)
            assert not t.is_alive(), "a load thread hangs"


def acknowledged(log):
    return [o["key"] for o in log.select(kind="write", ok=True)]


def assert_everywhere(grid, keys, nodes, wait=5.0):
    """Every key on every live node (after at most `wait` for the mirrors
    to follow) and in `store export`."""
    for api in nodes:
        s = admin_session(api)
        deadline = time.monotonic() + wait
        while True:
            lost = missing(api_state(s), keys)
            if not lost or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert not lost, "node %s lost %d acknowledged writes: %r" % (
            api.base, len(lost), lost[:20])
    lost = missing(grid.export(), keys)
    assert not lost, "store export lost %d acknowledged writes: %r" % (
        len(lost), lost[:20])


def summary(log):
    out = {}
    for o in log.select():
        k = (o["kind"], {True: "ok", False: "refused", None: "no answer"}[
            o["ok"]])
        out[k] = out.get(k, 0) + 1
    return out


def failures(log, kind=None):
    return [(o["where"], o["kind"], o["status"], o["msg"][:300],
             round(o["t0"], 2))
            for o in log.select() if o["ok"] is not True and
            (kind is None or o["kind"] == kind)]


def latency(log, kind="write"):
    t = sorted(o["t1"] - o["t0"] for o in log.select(kind=kind, ok=True))
    if not t:
        return "none"
    return "p50 %.2f s, max %.2f s" % (t[len(t) // 2], t[-1])


# ---------------------------------------------------------------------------
# 1. concurrent writers

LOAD_SECONDS = 20
LOCK_TIMEOUT = "got lock request timeout"


def test_concurrent_writers_on_every_node_and_the_cli_lose_nothing(grid):
    nodes = [grid.start_node() for _ in range(3)]
    load = grid.load()
    for i, api in enumerate(nodes):
        for k in "ab":
            load.run(api_writer, api, "n%d%s" % (i + 1, k))
    for k in (1, 2):
        load.run(cli_writer, grid.new_dir(), "c%d" % k)
    time.sleep(LOAD_SECONDS)
    load.finish()
    acked = acknowledged(load.log)
    writes = load.log.select(kind="write")
    print("ops:", summary(load.log), "write latency:", latency(load.log))
    # no fault here: a write waits up to 10 s for its lock, and one that
    # would wait longer is refused before it writes anything: rarely
    refused = [o for o in writes if o["ok"] is not True]
    assert all(o["ok"] is False and LOCK_TIMEOUT in o["msg"]
               for o in refused), failures(load.log)
    assert len(refused) <= 0.05 * len(writes), failures(load.log)
    assert len(acked) >= 100, summary(load.log)
    assert {o["where"][:2] for o in load.log.select(ok=True)} == {
        "n1", "n2", "n3", "c1", "c2"}
    assert_everywhere(grid, acked, nodes)
    state = grid.export()
    assert [o["key"] for o in refused if o["key"][1] in state[
        o["key"][0]]] == [], "refused writes were written"


# ---------------------------------------------------------------------------
# 1b. a compare-and-swap register

def realm_get(api, session):
    """(comment, digest) of the pve realm through api, or None."""
    try:
        r = session.request("GET", "/access/domains/pve")
    except requests.RequestException:
        return None
    if r.status_code != 200:
        return None
    d = r.json()["data"]
    return d.get("comment"), d["digest"]


def register_client(log, nodes, i, stop):
    """Writer i: reads the register through node i+1, swaps it through
    node i (the digest of what it read as the condition), reads it back
    through node i+2.  Values are unique: "w<i>.<n>"."""
    n3 = len(nodes)
    sessions = [admin_session(a) for a in nodes]
    n = 0
    while not stop.is_set():
        rd = (i + 1) % n3
        t0 = time.monotonic()
        got = realm_get(nodes[rd], sessions[rd])
        if got is None:
            continue
        log.add(kind="read", where=rd, value=got[0], t0=t0,
                t1=time.monotonic())
        n += 1
        value = "w%d.%d" % (i, n)
        t0 = time.monotonic()
        try:
            r = sessions[i].put("/access/domains/pve", data={
                "comment": value, "digest": got[1]})
            ok = r.status_code == 200
            if not ok and "detected modified configuration" not in r.text:
                ok = "error"
            msg = r.text
        except requests.RequestException as e:
            ok, msg = None, repr(e)
        log.add(kind="swap", where=i, value=value, prev=got[0], ok=ok,
                msg=msg, t0=t0, t1=time.monotonic())
        back = (i + 2) % n3
        t0 = time.monotonic()
        got = realm_get(nodes[back], sessions[back])
        if got is not None:
            log.add(kind="read", where=back, value=got[0], t0=t0,
                    t1=time.monotonic(), after=value if ok is True else None)


def check_register(init, swaps, reads):
    """The checks of test_register_...; returns the chain of values."""
    acked = [w for w in swaps if w["ok"] is True]
    # (a) compare-and-swap: no two acknowledged swaps replaced one value
    by_prev = {}
    for w in acked:
        by_prev.setdefault(w["prev"], []).append(w["value"])
    twice = {p: v for p, v in by_prev.items() if len(v) > 1}
    assert not twice, "lost updates: swaps from one value: %r" % twice
    # (b) they form one chain from the initial value: the order of writes
    nxt = {w["prev"]: w["value"] for w in acked}
    chain = [init]
    while chain[-1] in nxt:
        chain.append(nxt[chain[-1]])
    pos = {v: k for k, v in enumerate(chain)}
    off = [w["value"] for w in acked if w["value"] not in pos]
    assert not off, "acknowledged swaps off the chain: %r" % off
    # (c) that order respects real time
    for a in acked:
        for b in acked:
            assert not (a["t1"] < b["t0"] and pos[a["value"]] >
                        pos[b["value"]]), (a, b)
    # (d) reads see only written values: nothing refused shows up
    phantom = [r["value"] for r in reads if r["value"] not in pos]
    assert not phantom, "values read that no acknowledged swap wrote: " \
        "%r" % phantom
    # (e) a node never goes back: a read through it that begins after
    # another through it ended sees that value or a later one
    for node in {r["where"] for r in reads}:
        mine = sorted((r for r in reads if r["where"] == node),
                      key=lambda r: r["t0"])
        for k, b in enumerate(mine):
            for a in mine[:k]:
                assert not (a["t1"] < b["t0"] and pos[a["value"]] >
                            pos[b["value"]]), ("node went back", a, b)
    # (f) read-your-writes on the writing node, for every client, and
    # (g) every node within STALE_MAX: a read that begins after a swap
    # was acknowledged (+ STALE_MAX on the other nodes) sees it or later
    for w in acked:
        for r in reads:
            late = r["t0"] > w["t1"] + (0 if r["where"] == w["where"]
                                        else STALE_MAX)
            assert not (late and pos[r["value"]] < pos[w["value"]]), (
                "stale read", w, r)
    return chain


def test_register_swaps_are_linearizable_and_reads_monotonic(grid):
    """The pve realm's comment as a register: each client reads it (value
    and domains.cfg's digest) through one node and swaps in a unique
    value through another with that digest as the condition, so a swap
    succeeds only on the latest value.  Checked: (a) no two acknowledged
    swaps replaced the same value (no lost update), (b) they form one
    chain from the initial value, (c) in an order that respects real time
    (a swap acknowledged before another began comes first): the writes
    are linearizable; (d) every value read was written by an acknowledged
    swap; (e) reads through one node never go back; (f) a read through
    the node that acknowledged a swap, begun after the acknowledgement,
    sees it or a later value; (g) so does a read through any node begun
    STALE_MAX after it.  Reads through another node may lag a moment
    behind (each node reads its own mirror, which follows the store by
    its watch); how many immediate read-backs did is printed, not
    asserted."""
    nodes = [grid.start_node() for _ in range(3)]
    cli(grid.cli_dir, "realm", "modify", "pve", "--comment", "r0")
    for api in nodes:
        wait_for("r0 on " + api.base, lambda: realm_get(
            api, admin_session(api))[0] == "r0", 5)
    load = grid.load()
    for i in range(3):
        load.run(register_client, nodes, i)
    time.sleep(12)
    load.finish()
    swaps = load.log.select(kind="swap")
    reads = load.log.select(kind="read")
    errors = [w for w in swaps if w["ok"] not in (True, False)]
    assert not errors, errors[:5]
    chain = check_register("r0", swaps, reads)
    lagging = [r for r in reads if r.get("after") and
               chain.index(r["value"]) < chain.index(r["after"])]
    print("swaps: %d acknowledged, %d refused (digest), %d reads; "
          "read-backs through another node that lagged: %d of %d" % (
              len(chain) - 1, len(swaps) - len(chain) + 1, len(reads),
              len(lagging), len([r for r in reads if r.get("after")])))
    assert len(chain) > 20, "too few swaps got through: %d" % len(chain)
    for api in nodes:
        wait_for("the last value on " + api.base, lambda: realm_get(
            api, admin_session(api))[0] == chain[-1], STALE_MAX)


# ---------------------------------------------------------------------------
# 2. an etcd member dies under load

def in_window(op, windows):
    """The operation was in flight during one of the (start, end)."""
    return any(op["t0"] <= end and op["t1"] >= start
               for start, end in windows)


# writes in flight while the cluster elects a new leader may fail: the
# election, the client's timeout (3 s) and the next endpoint's answer
ELECTION_WINDOW = 8.0


def test_etcd_member_killed_under_load_loses_nothing(grid):
    nodes = [grid.start_node() for _ in range(3)]
    load = grid.load()
    for i, api in enumerate(nodes):
        load.run(api_writer, api, "n%d" % (i + 1))
        load.run(reader, api, "r%d" % (i + 1), grid.tokens)
    load.run(cli_writer, grid.new_dir(), "c1")
    time.sleep(3)
    windows = []
    # the leader first (an election), then member 1 (or 2): the endpoint
    # every client talks to first
    first = grid.leader()
    assert first is not None, "no leader"
    for victim in (first, 1 if first != 1 else 2):
        t_kill = time.monotonic()
        grid.kill_member(victim)
        windows.append((t_kill, t_kill + ELECTION_WINDOW))
        time.sleep(5)
        grid.restart_member(victim)
        time.sleep(2)
    load.finish()
    print("ops:", summary(load.log), "write latency:", latency(load.log),
          "login latency:", latency(load.log, "login"))
    # reads come from each node's mirror: they never fail
    for kind in ("perm-ticket", "perm-token"):
        assert failures(load.log, kind) == []
        assert len(load.log.select(kind=kind, ok=True)) > 20
    # writes (and logins, which write the lockout state) may fail only
    # while in flight during an election
    late = [o for o in load.log.select() if o["ok"] is not True and
            not in_window(o, windows)]
    assert late == [], late[:10]
    writes = load.log.select(kind="write")
    failed = [o for o in writes if o["ok"] is not True]
    assert len(failed) <= 0.2 * len(writes), failures(load.log)
    acked = acknowledged(load.log)
    assert len(acked) > 40, summary(load.log)
    assert_everywhere(grid, acked, nodes)
    # and all is well again
    for k, api in enumerate(nodes):
        s = admin_session(api)
        assert api_write(load.log, "after", s, None, "POST", "/access/users",
                         {"userid": "after-%d@pve" % k}) is True


# ---------------------------------------------------------------------------
# 3. a realmgate node dies holding a lock

def test_node_killed_holding_a_lock_others_go_on(grid):
    # the victim's authd stops (SIGSTOP) right before committing a
    # domains.cfg change: it holds domains.cfg's lock when it is killed
    victim = grid.start_node(
        env={"REALMGATE_TEST_STOP_AT": "cfs-commit:domains.cfg"})
    others = [grid.start_node() for _ in range(2)]
    load = grid.load()
    on_victim = grid.load(load.log)      # stopped when the victim dies
    for i, api in enumerate([victim] + others):
        which = on_victim if api is victim else load
        which.run(api_writer, api, "n%d" % (i + 1))
        which.run(reader, api, "r%d" % (i + 1), grid.tokens)
    load.run(cli_writer, grid.new_dir(), "c1")
    time.sleep(3)
    vs, s = admin_session(victim), admin_session(others[0])
    threading.Thread(target=lambda: api_write(
        load.log, "n1", vs, ("realm", "lost"), "PUT", "/access/domains/pve",
        {"comment": "lost"}), daemon=True).start()
    wait_for("the victim stopped at its commit",
             lambda: stopped_in_tree(victim.proc.pid), 10)
    t_stop = time.monotonic()
    grid.kill_node(victim)
    t_kill = time.monotonic()
    on_victim.stop.set()
    lock = grid.etcd_key(b"/rg/lock/file-domains_cfg")
    assert lock[0] > 0, "the dead node held no lock"
    # the lock is the dead node's until its lease (3 s) expires
    r, dt = timed(s.put, "/access/domains/pve", data={"comment": "after"})
    t1 = time.monotonic()
    assert r.status_code == 200, r.text
    print("domains.cfg write on another node: %.2f s, done %.2f s after "
          "the victim stopped (killed %.2f s after; its lock %r)" % (
              dt, t1 - t_stop, t_kill - t_stop, lock[1]))
    assert t1 - t_stop < LEASE_TTL + 3
    on_victim.finish()
    time.sleep(3)
    load.finish()
    print("ops:", summary(load.log), "write latency:", latency(load.log))
    # the others never failed
    bad = [o for o in load.log.select() if o["ok"] is not True and
           o["where"] not in ("n1", "r1")]
    assert bad == [], bad[:10]
    acked = acknowledged(load.log)
    assert any(o["where"] == "n1" for o in load.log.select(ok=True))
    assert_everywhere(grid, acked, others)
    # the write the victim never committed is not there
    for api in others:
        assert realm_get(api, admin_session(api))[0] == "after"


# ---------------------------------------------------------------------------
# 4. quorum lost, and back

WRITE_FAIL_MAX = 10.0


def test_quorum_lost_reads_go_on_writes_fail_fast_and_come_back(grid):
    nodes = [grid.start_node() for _ in range(3)]
    admins = [admin_session(api) for api in nodes]
    carol = [api.session("carol@pve") for api in nodes]
    tokenid = "alice@pve!full"
    token_hdr = {"Authorization": "PVEAPIToken=%s=%s" %
                 (tokenid, grid.tokens[tokenid])}
    ok_write = admins[0].post("/access/users", data={"userid": "x0@pve"})
    assert ok_write.status_code == 200, ok_write.text

    grid.kill_member(1)
    grid.kill_member(2)
    t_lost = time.monotonic()
    # existing tickets and tokens, permission checks: the last snapshot
    for k, api in enumerate(nodes):
        for r, dt in (timed(carol[k].get, "/access/permissions"),
                      timed(api.raw, "GET", "/access/permissions",
                            headers=token_hdr),
                      timed(admins[k].get, "/access/users")):
            assert not isinstance(r, Exception) and r.status_code == 200, r
            assert dt < 2, "a read took %.1f s without quorum" % dt
    # writes: refused within seconds, naming the store - API and CLI at once
    calls = [(admins[k].post, "/access/users",
              {"userid": "refused%d@pve" % k}) for k in range(3)]
    calls.append((cli_in, grid.cli_dir, "user", "add", "refused-cli@pve"))
    calls.append((nodes[0].ticket_request, "carol@pve",
                  PASSWORDS["carol@pve"]))
    results = in_parallel(calls)
    for (r, dt), api in zip(results[:3], nodes):
        assert not isinstance(r, Exception), r
        print("API write without quorum: %.2f s, %d %s" % (
            dt, r.status_code, r.text))
        assert r.status_code == 500, r.text
        assert grid.store_name in r.json()["message"], r.text
        assert dt < WRITE_FAIL_MAX
    (rc, out, _), dt = results[3]
    print("CLI write without quorum: %.2f s, status %d: %s" % (dt, rc, out))
    assert rc != 0 and grid.store_name in out and dt < WRITE_FAIL_MAX
    # a password login counts the attempt in the shared lockout state: a
    # write, which fails; the login goes on uncounted (lockout_file.c: a
    # lockout state that cannot be locked or written locks nobody out),
    # after the store's timeout
    r, dt = results[4]
    print("password login without quorum: %.2f s: %s" % (
        dt, r if isinstance(r, Exception) else "%d %s" % (
            r.status_code, r.text[:80])))
    assert not isinstance(r, Exception) and r.status_code == 200, r
    assert dt < WRITE_FAIL_MAX
    print("quorum lost for %.1f s" % (time.monotonic() - t_lost))

    grid.restart_member(1)
    grid.restart_member(2)
    t_back = time.monotonic()
    # writes work again by themselves
    n = 0
    while True:
        n += 1
        r = admins[1].post("/access/users", data={"userid": "back%d@pve" % n})
        if r.status_code == 200:
            break
        assert time.monotonic() - t_back < WRITE_FAIL_MAX, r.text
        time.sleep(0.2)
    print("writes work again %.2f s after quorum came back (%d tries)" % (
        time.monotonic() - t_back, n))
    # a change on one node shows on the others within STALE_MAX
    for k in range(3):
        uid = "seen%d@pve" % k
        r = admins[k].post("/access/users", data={"userid": uid})
        assert r.status_code == 200, r.text
        t0 = time.monotonic()
        for j in range(3):
            wait_for("%s on node %d" % (uid, j), lambda: admins[j].get(
                "/access/users/" + uid).status_code == 200, STALE_MAX - (
                    time.monotonic() - t0), step=0.02)
    # nothing refused was written after all
    refused = ["refused%d@pve" % k for k in range(3)] + [
        "refused-cli@pve"] + ["back%d@pve" % k for k in range(1, n)]
    for api in nodes:
        have = api_state(admin_session(api))["user"]
        assert not set(refused) & have
        assert {"x0@pve", "back%d@pve" % n} <= have
    assert not set(refused) & grid.export()["user"]


# ---------------------------------------------------------------------------
# 5. no store at start


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    yield s.getsockname()[1]
    s.close()


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_store_unreachable_at_start_fails_fast_naming_it(kind, silent_port):
    port = closed_port() if kind == "refused" else silent_port
    url = "etcd://127.0.0.1:%d/nowhere" % port
    d = tempfile.mkdtemp(prefix="realmgate-faults-")
    STORES[d] = url
    try:
        rc, out, dt = cli_in(d, "user", "list")
        print("CLI: %.2f s, status %d: %s" % (dt, rc, out.strip()))
        assert rc != 0 and dt < 10
        assert "store etcd://127.0.0.1:%d" % port in out
        assert ("connection refused" if kind == "refused" else
                "no answer within") in out
        t0 = time.monotonic()
        p = subprocess.run([BIN, "--config-dir", d, "--store", url, "serve",
                            "--listen", "127.0.0.1:%d" % closed_port()],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
        dt = time.monotonic() - t0
        print("serve: %.2f s, status %d: %s" % (dt, p.returncode,
                                                p.stderr.strip()))
        assert p.returncode == 1 and dt < 10, p.stderr
        assert "store etcd://127.0.0.1:%d" % port in p.stderr
        assert "Sanitizer" not in p.stderr, p.stderr
    finally:
        STORES.pop(d, None)
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------
# 6. fencing: a writer paused past its lease cannot write

FENCE_TTL = 2


def paused_writer(grid, comment):
    """`user modify fence@pve --comment C` in a CLI with a 2 s lease,
    stopped (SIGSTOP, the whole process: its lease keeper too) right
    before its commit, holding user.cfg's lock."""
    d = grid.new_dir(grid.cluster.url("rg", **{"lease-ttl": FENCE_TTL}))
    env = dict(os.environ, REALMGATE_TEST_STOP_AT="cfs-commit:user.cfg")
    p = subprocess.Popen([BIN, "--config-dir", d, "--store", STORES[d],
                          "user", "modify", "fence@pve", "--comment",
                          comment], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    try:
        wait_for("the writer stopped at its commit",
                 lambda: proc_state(p.pid) == "T", 20)
    except AssertionError:
        p.kill()
        raise AssertionError("not stopped: is %s a debug build?\n%s" % (
            BIN, p.communicate()[0]))
    return p


def resume(p):
    os.kill(p.pid, signal.SIGCONT)
    out, _ = p.communicate(timeout=30)
    return p.returncode, out


def fence_comment(grid):
    for line in grid.export_text().splitlines():
        f = line.split(":")
        if f[0] == "user" and f[1] == "fence@pve":
            return f[7]
    raise AssertionError("no fence@pve")


LOST_LOCK = "changed since it was read (a lock was lost"


def test_fencing_a_writer_paused_past_its_lease_cannot_commit(grid):
    cli(grid.cli_dir, "user", "add", "fence@pve", "--comment", "start")
    # A pauses holding the lock; its lease expires; B takes the lock and
    # writes; A wakes: its commit is refused
    a = paused_writer(grid, "A")
    try:
        time.sleep(FENCE_TTL + 1.5)
        rc, out, dt = cli_in(grid.cli_dir, "user", "modify", "fence@pve",
                             "--comment", "B")
        assert rc == 0, out
        assert dt < 5, "B waited %.1f s for A's lock" % dt
    finally:
        rc, out = resume(a)
    print("A after its lease expired and B wrote: status %d: %s" % (rc, out))
    assert rc != 0 and LOST_LOCK in out and grid.store_name in out
    assert fence_comment(grid) == "B"

    # the same without B: the lock is gone, nobody took it
    a = paused_writer(grid, "A2")
    time.sleep(FENCE_TTL + 1.5)
    rc, out = resume(a)
    assert rc != 0 and LOST_LOCK in out
    assert fence_comment(grid) == "B"

    # a pause shorter than the lease: the commit goes through (what
    # refused A above was the lost lease, not the pause itself)
    a = paused_writer(grid, "C")
    time.sleep(0.2)
    rc, out = resume(a)
    assert rc == 0, out
    assert fence_comment(grid) == "C"


# ---------------------------------------------------------------------------
# 7. answers lost, a lock held when quorum goes

@pytest.mark.parametrize("what", ["lock", "commit"])
def test_a_lost_answer_leaves_no_lock_and_fails_no_write(grid, what):
    """etcd applied the request (a lock taken, a change committed), its
    answer never came back: the client, not knowing, sends it again (to
    another member or, on a reused connection, curl itself) and finds
    the lock taken / the file changed - by itself."""
    first, rest = grid.cluster.endpoints.split(",", 1)
    proxy = AnswerLost(int(first.rsplit(":", 1)[1]))
    try:
        url = "etcd://127.0.0.1:%d,%s/rg?lease-ttl=%d" % (
            proxy.port, rest, LEASE_TTL)
        node = grid.start_node(url=url)
        other = grid.start_node()
        s = admin_session(node)
        key = {"lock": b"/rg/lock/file-user_cfg",
               "commit": b"/rg/f/user.cfg"}[what]
        proxy.arm(base64.b64encode(key))
        r, dt = timed(s.post, "/access/users", data={"userid": "x1@pve"})
        assert proxy.fired.is_set()
        print("write whose %s answer was lost: %.2f s, %d %s" % (
            what, dt, r.status_code, r.text))
        assert r.status_code == 200, r.text
        # nobody waits for a lock left behind
        r, dt = timed(admin_session(other).post, "/access/users",
                      data={"userid": "x2@pve"})
        print("next write on another node: %.2f s, %d %s" % (
            dt, r.status_code, r.text))
        assert r.status_code == 200 and dt < 2, r.text
        assert {"x1@pve", "x2@pve"} <= grid.export()["user"]
    finally:
        proxy.close()


def test_a_lock_held_when_quorum_is_lost_does_not_outlive_it(grid):
    """A node holds domains.cfg's lock (stopped right before its commit)
    when quorum goes; woken, its commit and its unlock fail.  The lock
    must not stay bound to the node's lease, which the node keeps alive:
    once quorum is back, another node gets the lock within about a lease."""
    held = grid.start_node(
        env={"REALMGATE_TEST_STOP_AT": "cfs-commit:domains.cfg"})
    other = grid.start_node()
    s, so = admin_session(held), admin_session(other)
    out = []
    t = threading.Thread(target=lambda: out.append(timed(
        s.put, "/access/domains/pve", data={"comment": "held"})))
    t.start()
    pid = wait_for("the node stopped at its commit",
                   lambda: stopped_in_tree(held.proc.pid), 10)
    grid.kill_member(1)
    grid.kill_member(2)
    os.kill(pid, signal.SIGCONT)
    t.join(60)
    (r, dt), = out
    print("the write that held the lock: %.2f s, %d %s" % (
        dt, r.status_code, r.text))
    assert r.status_code == 500 and grid.store_name in r.text
    grid.restart_member(1)
    grid.restart_member(2)
    r, dt = timed(so.put, "/access/domains/pve", data={"comment": "after"})
    print("domains.cfg write on another node after quorum came back: "
          "%.2f s, %d %s" % (dt, r.status_code, r.text))
    assert r.status_code == 200, r.text
    assert dt < LEASE_TTL + 4
    for api in (held, other):
        wait_for("the comment on " + api.base, lambda: realm_get(
            api, admin_session(api))[0] == "after", STALE_MAX)


# ---------------------------------------------------------------------------
# 8. a write without a lock: compared with what was read

def test_a_write_without_a_lock_never_lands_over_a_change_it_did_not_read(
        grid):
    """The CSRF key (pve-www.key) is created, without a lock, by whoever
    first finds it missing; the commit's compare with the snapshot it was
    read from makes a second creator use the first one's key.  A (a CLI
    login, whose answer signs a CSRF token) finds it missing and pauses
    right before its commit; B (the same, on the same node) creates it;
    A, woken more than PIN_MAX_MS (0.5 s) later, must not replace it -
    every CSRF token signed with B's key would be refused."""
    d = grid.new_dir()
    argv = [BIN, "--config-dir", d, "--store", STORES[d], "ticket",
            "alice@pve"]
    pw = PASSWORDS["alice@pve"] + "\n"
    a = subprocess.Popen(argv, env=dict(
        os.environ, REALMGATE_TEST_STOP_AT="cfs-commit:pve-www.key"),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    a.stdin.write(pw)
    a.stdin.close()
    try:
        wait_for("A stopped at its commit",
                 lambda: proc_state(a.pid) == "T", 20)
        assert grid.etcd_key(b"/rg/f/pve-www.key")[0] == 0
        b = subprocess.run(argv, input=pw, capture_output=True, text=True,
                           timeout=60)
        assert b.returncode == 0, b.stdout + b.stderr
        created = grid.etcd_key(b"/rg/f/pve-www.key")
        assert created[0] == 1
        time.sleep(1)
    finally:
        os.kill(a.pid, signal.SIGCONT)
        out = a.stdout.read()
        a.wait(30)
    print("A: status %d: %s" % (a.returncode, out.strip()[:200]))
    assert a.returncode == 0, out
    assert grid.etcd_key(b"/rg/f/pve-www.key") == created, \
        "A's key replaced B's"
