"""
What both stress harnesses need: a `realmgate serve` they start, find the
processes of (front, authd workers, scheduler) and restart; a keep-alive
HTTP client that never raises; the CLI; /proc sampling; percentiles.
Standard library only (Debian's python3), 127.0.0.1 only.
"""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def new_config_dir(parent, name="cfg"):
    d = os.path.join(parent, name)
    os.makedirs(d)
    # the front drops to an unprivileged user: it must reach user.cfg
    os.chmod(parent, 0o755)
    os.chmod(d, 0o755)
    return d


def cli(bin, config_dir, *args, stdin=None, timeout=60, env=None):
    """Run the CLI; returns (rc, stdout, stderr, seconds)."""
    t = time.monotonic()
    p = subprocess.run([bin, "--config-dir", config_dir] + list(args),
                       input=stdin, capture_output=True, text=True,
                       timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t


def cli_ok(bin, config_dir, *args, **kw):
    rc, out, err, _ = cli(bin, config_dir, *args, **kw)
    if rc != 0:
        raise RuntimeError("realmgate %s: exit %d: %s%s" % (
            " ".join(args), rc, out, err))
    return out


# --- /proc ---------------------------------------------------------------
def proc_stat(pid):
    """(ppid, state) or None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    return int(rest[1]), rest[0]


def children(pid):
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = proc_stat(int(name))
        if st is not None and st[0] == pid and st[1] != "Z":
            out.append(int(name))
    return sorted(out)


def proc_status(pid):
    """{"uid", "rss_kib", "threads"} from /proc/PID/status, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    d = {}
    for line in lines:
        k, _, v = line.partition(":")
        if k == "Uid":
            d["uid"] = int(v.split()[0])
        elif k == "VmRSS":
            d["rss_kib"] = int(v.split()[0])
        elif k == "Threads":
            d["threads"] = int(v.split()[0])
    return d


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def has_socket(pid):
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st[1] != "Z"


# --- the daemon ----------------------------------------------------------
class Daemon:
    """`realmgate serve` on 127.0.0.1, a new free port each start.

    procs() -> {"front": [pid], "worker": [pids], "scheduler": [pid]}:
    the front is the child that dropped privileges (or has threads), the
    scheduler the child without a socket (it holds no IPC channel), the
    rest are authd workers."""

    READY_TIMEOUT = 30

    def __init__(self, bin, config_dir, log_path, https=False, workers=2,
                 env=None, extra_args=()):
        self.bin = bin
        self.config_dir = config_dir
        self.log_path = log_path
        self.https = https
        self.workers = workers
        self.env = env
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.starts = 0
        self.cert = os.path.join(config_dir, "local", "realmgate-ssl.pem")

    def start(self):
        self.port = free_port()
        args = [self.bin, "--config-dir", self.config_dir, "serve", "--listen",
                "127.0.0.1:%d" % self.port, "--workers", str(self.workers)]
        if not self.https:
            args.append("--plain-http")
        args += self.extra_args
        log = open(self.log_path, "ab")
        offset = log.tell()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=log, env=self.env)
        log.close()
        self.starts += 1
        want = ("listening on http%s://127.0.0.1:%d" % (
            "s" if self.https else "", self.port)).encode()
        deadline = time.monotonic() + self.READY_TIMEOUT
        while True:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                if want in f.read():
                    break
            if self.proc.poll() is not None:
                raise RuntimeError("realmgate serve exited with %d before "
                                   "listening; see %s" % (self.proc.returncode,
                                                          self.log_path))
            if time.monotonic() > deadline:
                raise RuntimeError("realmgate serve not ready after %ds" %
                                   self.READY_TIMEOUT)
            time.sleep(0.01)
        # wait until every process exists (the scheduler forks last)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            p = self.procs()
            if len(p["worker"]) >= self.workers and p["front"] and p["scheduler"]:
                break
            time.sleep(0.01)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def procs(self):
        out = {"front": [], "worker": [], "scheduler": []}
        if not self.running():
            return out
        me = os.geteuid()
        for pid in children(self.proc.pid):
            st = proc_status(pid)
            if st is None:
                continue
            if st.get("uid") != me or st.get("threads", 1) > 1:
                out["front"].append(pid)
            elif has_socket(pid):
                out["worker"].append(pid)
            else:
                out["scheduler"].append(pid)
        return out

    def all_pids(self):
        if self.proc is None:
            return []
        return [self.proc.pid] + children(self.proc.pid)

    def wait_exit(self, timeout):
        """True if the supervisor exited within timeout."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL of what is left; returns the exit status."""
        if self.proc is None:
            return None
        pids = self.all_pids()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            if not self.wait_exit(timeout):
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                self.proc.wait()
        reap_gone(pids, 5)
        return self.proc.returncode

    def url(self, path):
        return "%s://127.0.0.1:%d/api2/json%s" % (
            "https" if self.https else "http", self.port, path)


def reap_gone(pids, timeout):
    """Wait until none of pids is alive; SIGKILL the stragglers (they are
    ours).  Returns the pids that had to be killed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.01)
    left = [p for p in pids if alive(p)]
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    return left


# --- HTTP ----------------------------------------------------------------
class Answer:
    """status (0: no answer), data, message, error (transport), sent
    (whether the request may have reached the server), seconds."""

    def __init__(self, status=0, body=None, error=None, sent=True, seconds=0.0):
        self.status = status
        self.body = body
        self.error = error
        self.sent = sent
        self.seconds = seconds

    @property
    def data(self):
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def message(self):
        if isinstance(self.body, dict) and self.body.get("message"):
            m = self.body["message"].strip()
            if self.body.get("errors"):
                m += " " + json.dumps(self.body["errors"], sort_keys=True)
            return m
        return self.error or ""

    def __repr__(self):
        return "<%s %s>" % (self.status, self.message[:200])


class Client:
    """One keep-alive connection to the daemon; reconnects as needed."""

    def __init__(self, daemon, timeout=30, keepalive=True):
        self.daemon = daemon
        self.keepalive = keepalive
        self.timeout = timeout
        self.conn = None
        self.port = None
        self.ticket = None
        self.csrf = None
        self.token = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def _connect(self):
        d = self.daemon
        if self.conn is not None and self.port == d.port:
            return
        self.close()
        self.port = d.port
        if d.https:
            ctx = ssl.create_default_context(cafile=d.cert)
            self.conn = http.client.HTTPSConnection("127.0.0.1", d.port,
                                                    timeout=self.timeout,
                                                    context=ctx)
        else:
            self.conn = http.client.HTTPConnection("127.0.0.1", d.port,
                                                   timeout=self.timeout)

    def request(self, method, path, params=None, auth=True, retry=None):
        """Never raises: transport errors come back as Answer(status=0).
        A kept-alive connection the server closed meanwhile is retried once
        on a new one when retry (default: GET and logins; a write that may
        have reached the server is never sent twice)."""
        if retry is None:
            retry = method == "GET" or path == "/access/ticket"
        headers = {}
        if auth and self.ticket is not None:
            headers["Cookie"] = "PVEAuthCookie=" + urllib.parse.quote(self.ticket)
            if method != "GET":
                headers["CSRFPreventionToken"] = self.csrf
        elif auth and self.token is not None:
            headers["Authorization"] = "PVEAPIToken=" + self.token
        if not self.keepalive:
            headers["Connection"] = "close"
        body = None
        url = "/api2/json" + path
        if params:
            q = urllib.parse.urlencode(params, doseq=True)
            if method in ("GET", "DELETE"):
                url += "?" + q
            else:
                body = q
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        t = time.monotonic()
        for attempt in (0, 1):
            sent = False
            reused = self.conn is not None and self.port == self.daemon.port
            try:
                self._connect()
                self.conn.request(method, url, body=body, headers=headers)
                sent = True
                r = self.conn.getresponse()
                raw = r.read()
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = {"message": "non-JSON answer: %r" % raw[:200]}
                if not self.keepalive or \
                        r.getheader("Connection", "").lower() == "close":
                    self.close()
                return Answer(r.status, parsed, seconds=time.monotonic() - t)
            except ConnectionRefusedError as e:
                self.close()
                return Answer(0, None, "ConnectionRefusedError: %s" % e,
                              sent=False, seconds=time.monotonic() - t)
            except (ConnectionResetError, BrokenPipeError,
                    http.client.RemoteDisconnected) as e:
                self.close()
                if attempt == 0 and reused and retry:
                    continue
                return Answer(0, None, "%s: %s" % (type(e).__name__, e),
                              sent=sent, seconds=time.monotonic() - t)
            except (OSError, http.client.HTTPException) as e:
                self.close()
                return Answer(0, None, "%s: %s" % (type(e).__name__, e),
                              sent=sent, seconds=time.monotonic() - t)
        raise AssertionError("unreachable")

    def login(self, username, password):
        a = self.request("POST", "/access/ticket",
                         {"username": username, "password": password}, auth=False)
        if a.status == 200 and a.data:
            self.ticket = a.data["ticket"]
            self.csrf = a.data["CSRFPreventionToken"]
        return a


# --- figures -------------------------------------------------------------
def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def fmt_ms(s):
    return "-" if s is None else "%.1f" % (s * 1000)
