"""
One private etcd for a pytest session (RG_STORE=etcd, and the tests of
the etcd store itself): started on 127.0.0.1 through
tests/etcd/etcd-cluster.sh on first use, stopped when the session ends.
Each config directory gets a prefix of its own in it.
"""
import atexit
import os
import random
import shutil
import socket
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "etcd", "etcd-cluster.sh")

_single = {}


def _ephemeral_low():
    """The first port of the kernel's range for outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _candidate(span, low):
    if low - span > 10000:
        return random.randrange(10000, low - span)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    base = s.getsockname()[1]
    s.close()
    return base


def free_base_port(span=30):
    """A base port whose next `span` ports look free on 127.0.0.1.  Below
    the range the kernel gives outgoing connections when there is room:
    while a member is down (Cluster.kill) a connection could take one of
    its free ports as its own, and the member could not restart."""
    low = _ephemeral_low()
    for _ in range(50):
        base = _candidate(span, low)
        if base + span > 65000:
            continue
        ok = True
        for p in range(base, base + span):
            t = socket.socket()
            try:
                t.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                t.close()
            if not ok:
                break
        if ok:
            return base
    raise RuntimeError("no free port range for etcd")


class Cluster:
    """N etcd members on 127.0.0.1 (etcd-cluster.sh)."""

    def __init__(self, n=1):
        self.dir = tempfile.mkdtemp(prefix="realmgate-etcd-")
        self.n = n
        out = subprocess.run(["sh", SCRIPT, "start", self.dir, str(n),
                              str(free_base_port(10 * n + 5))],
                             capture_output=True, text=True, check=True,
                             timeout=60)
        self.endpoints = out.stdout.strip().splitlines()[-1]

    def url(self, prefix, **opts):
        q = "&".join("%s=%s" % kv for kv in opts.items())
        return "etcd://%s/%s%s" % (self.endpoints, prefix,
                                   "?" + q if q else "")

    def kill(self, i):
        subprocess.run(["sh", SCRIPT, "kill", self.dir, str(i)], check=True,
                       timeout=30)

    def restart(self, i):
        subprocess.run(["sh", SCRIPT, "restart", self.dir, str(i)],
                       check=True, capture_output=True, timeout=60)

    def stop(self):
        subprocess.run(["sh", SCRIPT, "stop", self.dir], timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


def single():
    if "c" not in _single:
        _single["c"] = Cluster(1)
        atexit.register(_single["c"].stop)
    return _single["c"]


def url_for(config_dir):
    """A prefix of its own for config_dir in the session's etcd."""
    return single().url("t" + os.path.basename(config_dir).replace(
        "realmgate-it-", "").replace("_", "-"))
