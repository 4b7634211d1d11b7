"""
Fixtures for the realmgate API integration tests.

A session-wide daemon runs on a seeded temporary config directory
(`server`); tests that need a daemon of their own (realm disable, ...) call
`start_server()` through the `server_factory` fixture.  Everything talks
HTTPS to 127.0.0.1 and verifies the server against the certificate the
daemon generated (DIR/local/realmgate-ssl.pem): no verify=False anywhere.

The binary is $REALMGATE_BIN, default <repo>/build/realmgate.
"""
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import shutil
import time

import pytest
import requests
import requests.adapters

from peers import slapd, slapd_factory, samba_ad  # noqa: F401  (LDAP/AD test peers)
from peers_oidc import oidc_provider  # noqa: F401  (OpenID provider peer)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("REALMGATE_BIN", os.path.join(REPO, "build", "realmgate"))

# RG_STORE=etcd: every config directory the fixtures make keeps its
# configuration in a private etcd (etcd_store.py) under a prefix of its
# own; the CLI and the daemon get --store.  The compatibility suites run
# so (meson test api-integration-etcd) as well as on plain directories.
STORE_MODE = os.environ.get("RG_STORE", "")
STORES = {}     # config dir -> --store URL

READY_TIMEOUT = 20
STOP_TIMEOUT = 5
REQ_TIMEOUT = 30

# Passwords of the seeded users (pve realm).
PASSWORDS = {
    "alice@pve": "alice-secret-1",   # Administrator on /
    "bob@pve": "bob-secret-12",      # no ACL at all
    "carol@pve": "carol-secret-1",   # member of ops: PVEVMUser on /vms
    "dave@pve": "dave-secret-12",    # user manager for group ops only
    "erin@pve": "erin-secret-12",    # auditor: PVEAuditor on /
    "frank@pve": "frank-secret-1",   # member of ops (managed by dave)
}


def cli(config_dir, *args, check=True, timeout=60):
    """Run the CLI (pveum words) on config_dir; returns CompletedProcess."""
    env = dict(os.environ, REALMGATE_CONFIG_DIR=config_dir)
    store = ["--store", STORES[config_dir]] if config_dir in STORES else []
    p = subprocess.run([BIN, "--config-dir", config_dir] + store + list(args),
                       env=env, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("CLI %r failed (%d):\n%s%s" %
                             (args, p.returncode, p.stdout, p.stderr))
    return p


def cli_json(config_dir, *args):
    p = cli(config_dir, *(list(args) + ["--output-format", "json"]))
    return json.loads(p.stdout)


def seed(config_dir):
    """Users, groups, roles, ACLs, pools and tokens the tests rely on.
    Returns {"tokens": {full-tokenid: secret}}."""
    c = lambda *a: cli(config_dir, *a)
    c("group", "add", "ops", "--comment", "Operators")
    c("group", "add", "auditors")
    for u, pw in PASSWORDS.items():
        extra = []
        if u in ("carol@pve", "frank@pve"):
            extra = ["--groups", "ops"]
        if u == "erin@pve":
            extra = ["--groups", "auditors"]
        c("user", "add", u, "--password", pw, "--firstname",
          u.split("@")[0].capitalize(), "--email", u.split("@")[0] + "@example.com",
          *extra)
    c("role", "add", "Tester", "--privs", "VM.Audit,Sys.Audit")
    c("acl", "modify", "/", "--roles", "Administrator", "--users", "alice@pve")
    c("acl", "modify", "/vms", "--roles", "PVEVMUser", "--groups", "ops")
    c("acl", "modify", "/", "--roles", "PVEAuditor", "--groups", "auditors")
    # dave manages users of group ops and may allocate users in the pve realm
    c("acl", "modify", "/access/groups/ops", "--roles", "PVEUserAdmin",
      "--users", "dave@pve")
    c("acl", "modify", "/access/realm/pve", "--roles", "PVEUserAdmin",
      "--users", "dave@pve")
    c("pool", "add", "dev", "--comment", "Development")
    tokens = {}
    for user, name, privsep in (("alice@pve", "full", "0"),
                                ("alice@pve", "sep", "1"),
                                ("carol@pve", "sep", "1"),
                                ("bob@pve", "mine", "1")):
        out = cli_json(config_dir, "user", "token", "add", user, name,
                       "--privsep", privsep)
        tokens[out["full-tokenid"]] = out["value"]
    # alice!sep: only an auditor; carol!sep: Administrator on /vms, but
    # carol herself has only PVEVMUser there (privsep intersection)
    c("acl", "modify", "/", "--roles", "PVEAuditor", "--tokens", "alice@pve!sep")
    c("acl", "modify", "/vms", "--roles", "Administrator", "--tokens",
      "carol@pve!sep")
    # These daemons' tests fail logins on purpose, often many times per
    # user within minutes: the lockout defaults (5 per user, 50 per
    # address in 15 min; docs/lockout.md) would turn their later logins
    # away.  The counting still runs, with room; test_lockout.py puts the
    # defaults back on daemons of its own.
    c("lockout", "options", "set", "--user-failures", "1000",
      "--address-failures", "1000")
    return {"tokens": tokens}


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def closed_port():
    """A port on 127.0.0.1 that nothing listens on (a moment ago)."""
    return free_port()


class SourceAdapter(requests.adapters.HTTPAdapter):
    """requests from a given source address (127.0.0.2, ...): a client
    other than the tests' usual 127.0.0.1."""

    def __init__(self, source, **kw):
        self.source = source
        super().__init__(**kw)

    def init_poolmanager(self, *a, **kw):
        kw["source_address"] = (self.source, 0)
        return super().init_poolmanager(*a, **kw)


def session_from(source):
    s = requests.Session()
    s.mount("https://", SourceAdapter(source))
    return s


class ApiError(AssertionError):
    pass


class Api:
    """A client for one daemon: URL, certificate, helpers."""

    def __init__(self, config_dir, port, cert, tokens, proc):
        self.config_dir = config_dir
        self.port = port
        self.host = "127.0.0.1"
        self.base = "https://127.0.0.1:%d" % port
        self.cert = cert
        self.tokens = tokens
        self.proc = proc

    def url(self, path):
        if path.startswith("/api2/"):
            return self.base + path
        return self.base + "/api2/json" + path

    def raw(self, method, path, **kw):
        """A request with nothing added but TLS verification."""
        kw.setdefault("verify", self.cert)
        kw.setdefault("timeout", REQ_TIMEOUT)
        url = path if path.startswith("https://") else self.url(path)
        return requests.request(method, url, **kw)

    def static(self, path, **kw):
        kw.setdefault("verify", self.cert)
        kw.setdefault("timeout", REQ_TIMEOUT)
        return requests.get(self.base + path, **kw)

    # login -------------------------------------------------------------
    def ticket_request(self, username, password, realm=None, **extra):
        data = {"username": username, "password": password}
        if realm is not None:
            data["realm"] = realm
        data.update(extra)
        return self.raw("POST", "/access/ticket", data=data)

    def login(self, username, password=None, realm=None):
        """Log in; returns (ticket, csrf)."""
        if password is None:
            password = PASSWORDS[username]
        r = self.ticket_request(username, password, realm)
        if r.status_code != 200:
            raise ApiError("login of %s failed: %d %s" % (username, r.status_code, r.text))
        d = r.json()["data"]
        return d["ticket"], d["CSRFPreventionToken"]

    def session(self, username, password=None):
        t, c = self.login(username, password)
        return Session(self, ticket=t, csrf=c)

    def token_session(self, tokenid, secret=None):
        if secret is None:
            secret = self.tokens[tokenid]
        return Session(self, tokenid=tokenid, secret=secret)

    def anon(self):
        return Session(self)


class Session:
    """Requests as one identity: ticket (+CSRF on writes) or API token."""

    def __init__(self, api, ticket=None, csrf=None, tokenid=None, secret=None,
                 send_csrf=True):
        self.api = api
        self.ticket = ticket
        self.csrf = csrf
        self.tokenid = tokenid
        self.secret = secret
        self.send_csrf = send_csrf

    def request(self, method, path, params=None, data=None, json_body=None,
                headers=None, csrf=None):
        h = dict(headers or {})
        cookies = {}
        if self.ticket is not None:
            cookies["PVEAuthCookie"] = self.ticket
            if method != "GET" and self.send_csrf:
                tok = self.csrf if csrf is None else csrf
                if tok is not None:
                    h["CSRFPreventionToken"] = tok
        if self.tokenid is not None:
            h["Authorization"] = "PVEAPIToken=%s=%s" % (self.tokenid, self.secret)
        kw = {"params": params, "headers": h, "cookies": cookies}
        if json_body is not None:
            kw["json"] = json_body
        elif data is not None:
            kw["data"] = data
        return self.api.raw(method, path, **kw)

    def get(self, path, params=None, **kw):
        return self.request("GET", path, params=params, **kw)

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data=data, **kw)

    def put(self, path, data=None, **kw):
        return self.request("PUT", path, data=data, **kw)

    def delete(self, path, params=None, **kw):
        return self.request("DELETE", path, params=params, **kw)


# assertions shared by the test files ------------------------------------
def ok(r):
    """Assert 200 with a {"data": ...} body; return data."""
    assert r.status_code == 200, "%s %s -> %d %s" % (
        r.request.method, r.request.url, r.status_code, r.text)
    body = r.json()
    assert isinstance(body, dict) and "data" in body, body
    return body["data"]


def error(r, status, message=None):
    """Assert an error answer: status, {"data": null, "message": ...}."""
    assert r.status_code == status, "%s %s -> %d (want %d) %s" % (
        r.request.method, r.request.url, r.status_code, status, r.text)
    body = r.json()
    assert body.get("data", "missing") is None, body
    if message is not None:
        got = body.get("message", "")
        assert got.strip() == message, "message %r, want %r" % (got, message)
    return body


def forbidden(r, what=None):
    """403 "Permission check failed (<what>)" (or bare without what)."""
    msg = "Permission check failed" + (" (%s)" % what if what else "")
    return error(r, 403, msg)


def bad_params(r, *params):
    """400 "Parameter verification failed." naming each param in errors."""
    body = error(r, 400, "Parameter verification failed.")
    errs = body.get("errors")
    assert isinstance(errs, dict), body
    for p in params:
        assert p in errs and errs[p], "no error for %r in %r" % (p, errs)
    return errs


# the daemon -------------------------------------------------------------
def start_server(config_dir, tokens=None, extra_args=()):
    port = free_port()
    store = ["--store", STORES[config_dir]] if config_dir in STORES else []
    args = [BIN, "--config-dir", config_dir] + store + ["serve", "--listen",
            "127.0.0.1:%d" % port] + list(extra_args)
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + READY_TIMEOUT
    buf = b""
    want = ("listening on https://127.0.0.1:%d" % port).encode()
    fd = proc.stderr.fileno()
    while want not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            proc.wait()
            pytest.fail("realmgate serve not ready after %ds; stderr:\n%s" %
                        (READY_TIMEOUT, buf.decode(errors="replace")))
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            rc = proc.wait()
            pytest.fail("realmgate serve exited with %d before listening; "
                        "stderr:\n%s" % (rc, buf.decode(errors="replace")))
        buf += chunk
    # keep draining stderr so the daemon never blocks on a full pipe
    import threading
    log = bytearray(buf)

    def drain():
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            log.extend(chunk)
    t = threading.Thread(target=drain, daemon=True)
    t.start()
    proc.stderr_log = log
    cert = os.path.join(config_dir, "local", "realmgate-ssl.pem")
    assert os.path.exists(cert), "no certificate at %s" % cert
    return Api(config_dir, port, cert, tokens or {}, proc)


def stop_server(api):
    proc = api.proc
    if proc.poll() is not None:
        pytest.fail("realmgate serve died during the tests (status %d); "
                    "stderr:\n%s" % (proc.returncode,
                                     bytes(proc.stderr_log).decode(errors="replace")))
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("realmgate serve did not exit within %ds of SIGTERM" % STOP_TIMEOUT)
    assert rc == 0, "realmgate serve exited with %d after SIGTERM; stderr:\n%s" % (
        rc, bytes(proc.stderr_log).decode(errors="replace"))
    # the supervisor restarts a process that crashed: a sanitizer report
    # in any of them must still fail the test
    log = bytes(proc.stderr_log).decode(errors="replace")
    for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                 "runtime error:"):
        assert mark not in log, "sanitizer report in the daemon's stderr:\n" + log


def new_config_dir():
    d = tempfile.mkdtemp(prefix="realmgate-it-")
    # like /etc/realmgate: the unprivileged front process must reach
    # user.cfg, domains.cfg and the certificate (mkdtemp makes 0700)
    os.chmod(d, 0o755)
    if STORE_MODE == "etcd":
        import etcd_store
        STORES[d] = etcd_store.url_for(d)
    return d


@pytest.fixture(scope="session")
def server():
    d = new_config_dir()
    info = seed(d)
    api = start_server(d, info["tokens"])
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def server_factory():
    """start_server() on a freshly seeded directory, stopped afterwards."""
    started = []

    def make(extra_args=()):
        d = new_config_dir()
        info = seed(d)
        api = start_server(d, info["tokens"], extra_args)
        started.append((api, d))
        return api
    yield make
    for api, d in started:
        stop_server(api)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def admin(server):
    return server.session("alice@pve")


@pytest.fixture(scope="session")
def root_token(server):
    return server.token_session("alice@pve!full")


_counter = [0]


@pytest.fixture
def uniq():
    """A fresh name suffix per call (tests share one daemon)."""
    def make(prefix):
        _counter[0] += 1
        return "%s%d%d" % (prefix, os.getpid() % 1000, _counter[0])
    return make


# The suite runs as two meson tests at once (meson.build: RG_SHARD=1 and
# RG_SHARD=2), each a pytest session with its own daemons on free ports.
# Shard 1: these files, which start no directory peer; shard 2: every
# other file, so a new file always runs, and the peers (slapd, the Samba
# AD DC on its fixed ports, the OpenID provider) stay in one session.
# The etcd store's own tests run in the third suite, api-integration-etcd
# (meson.build), with these compatibility files under RG_STORE=etcd.
ETCD_FILES = {"test_store_etcd.py", "test_store_faults.py",
              "test_etcd_cluster.py"}
ETCD_COMPAT = {"test_users.py", "test_acl.py", "test_groups_roles.py",
               "test_tokens.py", "test_permissions.py", "test_pools.py",
               "test_proxmoxer.py", "test_ticket.py", "test_domains.py"}

SHARD_ONE = {
    "test_tfa.py", "test_tfa_yubico.py", "test_lockout.py",
    "test_availability.py", "test_ticket.py", "test_users.py",
    "test_tokens.py", "test_faults.py", "test_crash_order.py",
    "test_disk_faults.py", "test_transactions.py", "test_attack_input.py",
}


def pytest_collection_modifyitems(config, items):
    shard = os.environ.get("RG_SHARD")
    keep, drop = [], []
    if STORE_MODE == "etcd" and shard is None:
        for item in items:
            name = os.path.basename(str(item.fspath))
            (keep if name in ETCD_FILES or name in ETCD_COMPAT
             else drop).append(item)
        items[:] = keep
        if drop:
            config.hook.pytest_deselected(items=drop)
        return
    if shard not in ("1", "2"):
        return
    for item in items:
        name = os.path.basename(str(item.fspath))
        first = name in SHARD_ONE
        if name in ETCD_FILES:
            drop.append(item)
            continue
        (keep if first == (shard == "1") else drop).append(item)
    items[:] = keep
    if drop:
        config.hook.pytest_deselected(items=drop)


def pytest_sessionfinish(session, exitstatus):
    """A skipped test is a failed one here (CI runs as root with every
    dependency installed): make the run fail instead of passing quietly."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and \
            session.exitstatus == 0:
        session.exitstatus = 1
