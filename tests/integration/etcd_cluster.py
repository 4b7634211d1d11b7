"""
A private etcd cluster on 127.0.0.1 for tests, through
tests/etcd/etcd-cluster.sh (the same script the C tests of the etcd client
use).

Why: the etcd config store backend has to be checked against a real
cluster - elections, a member dying mid-write, compaction - not a mock.

    with EtcdCluster(tmp_path, 3) as c:
        c.endpoints            # "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3"
        c.kill(c.leader())     # SIGKILL the leader
        c.restart(1)           # member 1 again, on its data

Member i (1-based) listens for clients on baseport + 10*(i-1), for peers on
+1 and for metrics on +2; baseport None picks free ports.  extra_args go to
every member's etcd command line (e.g. "--auth-token-ttl 1"), tls_dir is a
tests/peers/mkca.sh directory for https clients.  etcd_available() says
whether /usr/bin/etcd (or $ETCD) is there, for skipping.
"""
import os
import random
import socket
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(HERE), "etcd", "etcd-cluster.sh")
HOST = "127.0.0.1"
TIMEOUT = 60


def etcd_available():
    return os.access(os.environ.get("ETCD", "/usr/bin/etcd"), os.X_OK)


def _port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _ephemeral_low():
    """The first port of the kernel's range for outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_baseport(n):
    """A base port whose 3 ports per member are free right now, below the
    range the kernel gives outgoing connections: while a member is down
    (kill) a connection could otherwise take one of its ports as its own,
    and the member could not restart."""
    top = max(_ephemeral_low() - 10 * n - 10, 12000)
    for _ in range(200):
        base = random.randrange(10000, top, 10)
        if all(_port_free(base + 10 * i + k) for i in range(n) for k in range(3)):
            return base
    raise RuntimeError("no free ports for %d etcd members" % n)


class EtcdCluster:
    def __init__(self, tmpdir, n, baseport=None, extra_args=None, tls_dir=None):
        self.dir = os.path.join(str(tmpdir), "etcd-%d" % n)
        self.n = n
        self.baseport = baseport
        self.extra_args = extra_args
        self.tls_dir = tls_dir
        self.endpoints = None

    def _run(self, *args, env=None):
        p = subprocess.run([SCRIPT] + list(args), capture_output=True,
                           text=True, timeout=TIMEOUT, env=env,
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise AssertionError("etcd-cluster.sh %s failed (%d):\n%s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p.stdout.strip()

    def start(self):
        """Start the members, wait until all are healthy."""
        env = dict(os.environ)
        if self.extra_args:
            env["ETCD_EXTRA_ARGS"] = self.extra_args
        if self.tls_dir:
            env["ETCD_TLSDIR"] = str(self.tls_dir)
        picked = self.baseport is None
        for attempt in range(3):
            if picked:
                self.baseport = free_baseport(self.n)
            try:
                self.endpoints = self._run("start", self.dir, str(self.n),
                                           str(self.baseport), env=env)
                return self
            except AssertionError:
                # a port taken between the check and etcd's bind
                self._run("stop", self.dir)
                subprocess.run(["rm", "-rf", self.dir], check=True)
                if not picked or attempt == 2:
                    raise
        return self

    def stop(self):
        if os.path.exists(os.path.join(self.dir, "cluster")):
            self._run("stop", self.dir)

    def kill(self, i):
        """SIGKILL member i (1-based)."""
        self._run("kill", self.dir, str(i))

    def restart(self, i):
        """Start member i again on its data, wait until it is healthy."""
        self._run("restart", self.dir, str(i))

    def leader(self):
        """The number of the member that is the leader now."""
        return int(self._run("leader", self.dir))

    def endpoint(self, i):
        return "%s:%d" % (HOST, self.baseport + 10 * (i - 1))

    def url(self, i):
        return "%s://%s" % ("https" if self.tls_dir else "http", self.endpoint(i))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
