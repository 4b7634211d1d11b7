"""
Hostile peers (issue 9, item 13): the REAL slapd and the REAL oidc-provider,
damaged by a fault-injecting proxy (faultproxy.py) or by the provider's
test-control layer (tests/oidc), never a fake server.

A directory that hangs, drips its answers, drops the connection in the
middle of an entry, sends malformed BER, claims a 2 GiB message, or holds
oversized entries; a provider that refuses connections, accepts and never
answers, drips, answers with broken JSON, not-an-object or 12 MiB
documents - each must end in a clean refusal within the realm's timeout
(realm options `timeout` and `connect-timeout`, short here), logged with
its reason, with user.cfg byte-identical, while a pve user and root@pam
(PAM through pam_wrapper) log in as usual.

Every scenario records its time to refusal; `pytest -s` prints the table
at the end of the module.
"""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import (BIN, PASSWORDS, cli, cli_json, free_port,
                      new_config_dir, start_server, stop_server)
from faultproxy import FaultProxy, Timer, ber_message_edit, set_at, xor_at

TIMEOUT = 2          # the realms' `timeout` (s per LDAP operation / HTTP call)
CONNECT = 1          # the ldap realm's `connect-timeout`
DELAY = 3            # a failed login is answered no sooner (the daemon's rule)
SLACK = 1.5          # scheduling on a loaded 2-core CI machine under ASan
ROOT_PW = "root-hatch-pw"

# slapd's first answer on a connection is the service bind's response,
# 30 0c 02 01 01 61 07 0a 01 00 04 00 04 00: 14 bytes; the user search's
# entry starts right after it
BIND_RESPONSE = 14

TIMES = {}
LOCAL = []          # how long the local logins took meanwhile


@pytest.fixture(scope="module", autouse=True)
def time_table():
    yield
    if TIMES:
        print("\nhostile peers: time to refusal (s)")
        for name, took in TIMES.items():
            print("  %-48s %6.2f" % (name, took))
    if LOCAL:
        print("  local logins meanwhile (alice@pve, root@pam): at most "
              "%.2f s" % max(LOCAL))


# the local escape hatch: root@pam through pam_wrapper ---------------------
def _find(pattern):
    hits = sorted(glob.glob(pattern))
    return hits[0] if hits else None


@pytest.fixture(scope="module")
def pam_env():
    """Environment that makes the daemon's PAM use a private service
    (pam_matrix, root:ROOT_PW) instead of the machine's."""
    matrix = _find("/usr/lib/*/pam_wrapper/pam_matrix.so") or \
        _find("/usr/lib*/pam_wrapper/pam_matrix.so")
    if matrix is None or not (_find("/usr/lib/*/libpam_wrapper.so") or
                              _find("/usr/lib*/libpam_wrapper.so")):
        pytest.fail("pam_wrapper (libpam-wrapper) is not installed")
    d = tempfile.mkdtemp(prefix="realmgate-pamwrap-")
    os.makedirs(os.path.join(d, "services"))
    with open(os.path.join(d, "passdb"), "w") as f:
        f.write("root:%s:rg-hatch\n" % ROOT_PW)
    with open(os.path.join(d, "services", "rg-hatch"), "w") as f:
        for k in ("auth", "account", "password", "session"):
            f.write("%s required %s passdb=%s/passdb\n" % (k, matrix, d))
    preload = "libpam_wrapper.so"
    env = {"PAM_WRAPPER": "1", "PAM_WRAPPER_SERVICE_DIR":
           os.path.join(d, "services"), "REALMGATE_PAM_SERVICE": "rg-hatch"}
    ldd = subprocess.run(["ldd", BIN], capture_output=True, text=True).stdout
    for line in ldd.splitlines():
        # the sanitizer runtime must come first (tests/unit/realms)
        if "libasan" in line and "=>" in line:
            preload = line.split("=>")[1].split()[0] + ":" + preload
            env["PAM_WRAPPER_DISABLE_DEEPBIND"] = "1"
    env["LD_PRELOAD"] = preload
    yield env
    shutil.rmtree(d, ignore_errors=True)


def start_gate(d, tokens, pam_env, extra=()):
    """start_server with pam_wrapper in the daemon's environment only."""
    saved = {k: os.environ.get(k) for k in pam_env}
    os.environ.update(pam_env)
    try:
        return start_server(d, tokens, ["--audit-log",
                                        os.path.join(d, "audit.jsonl")]
                            + list(extra))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def light_seed(d):
    """alice@pve, Administrator (seed() costs seconds of CLI runs)."""
    cli(d, "user", "add", "alice@pve", "--password", PASSWORDS["alice@pve"])
    cli(d, "acl", "modify", "/", "--roles", "Administrator", "--users",
        "alice@pve")


def failures(api):
    with open(os.path.join(api.config_dir, "audit.jsonl")) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    return [l for l in lines if l.get("event") == "login"
            and l.get("result") == "failure"]


def user_cfg(d):
    with open(os.path.join(d, "user.cfg"), "rb") as f:
        return f.read()


def local_logins(api):
    """The escape hatch: a pve user and root@pam log in; returns the
    slower of the two (s)."""
    worst = 0
    for user, pw in (("alice@pve", PASSWORDS["alice@pve"]),
                     ("root@pam", ROOT_PW)):
        with Timer() as t:
            ticket, _ = api.login(user, pw)
        assert ticket.startswith("PVE:%s:" % user)
        worst = max(worst, t.took)
    return worst


def refused_while_local_logins_work(api, attempt, started, why,
                                    bound=DELAY + TIMEOUT + SLACK):
    """Run attempt() (a request to a hostile realm) in a thread; once
    started() says realmgate is talking to the hostile peer, the local
    realms must log in at once.  The attempt must then be refused (401 for
    a login) within bound seconds, logged with why, user.cfg untouched.
    Returns (response, seconds to refusal)."""
    before = user_cfg(api.config_dir)
    logged = len(failures(api))
    out = {}

    def run():
        with Timer() as t:
            out["r"] = attempt()
        out["took"] = t.took
    th = threading.Thread(target=run)
    th.start()
    try:
        assert started(), "the hostile peer was never reached"
        local = local_logins(api)
        # the hostile realm holds one worker at most: local logins do not
        # wait for its timeout
        assert local < TIMEOUT, local
        LOCAL.append(local)
    finally:
        th.join(60)
    assert not th.is_alive()
    r, took = out["r"], out["took"]
    assert took < bound, (took, r.text)
    text = json.dumps(failures(api)[logged:])
    assert why in text, text
    assert user_cfg(api.config_dir) == before
    return r, took


# LDAP: logins ---------------------------------------------------------------
def add_ldap_realm(d, peer, port, realm="corp", mode="ldap"):
    cli(d, "realm", "add", realm, "--type", "ldap", "--server1", "127.0.0.1",
        "--port", str(port), "--mode", mode, "--base_dn", peer.base_dn,
        "--user_attr", "uid", "--bind_dn", peer.bind_dn,
        "--password", peer.bind_pw, "--capath", peer.ca_file,
        "--sync_attributes", "email=mail,firstname=givenName,lastname=sn",
        "--connect-timeout", str(CONNECT), "--timeout", str(TIMEOUT))


# realm -> its mode; each reaches the session's slapd through a FaultProxy
LDAP_REALMS = {"corp": "ldap", "corps": "ldaps", "corpst": "ldap+starttls"}


class LdapGate:
    def __init__(self, api, proxies, peer):
        self.api, self.proxies, self.peer = api, proxies, peer
        self.proxy = proxies["corp"]
        self.d = api.config_dir


@pytest.fixture(scope="module")
def ldap_gate(slapd, pam_env):
    """A daemon with the realms of LDAP_REALMS, user1 in each, alice@pve
    and root@pam."""
    d = new_config_dir()
    light_seed(d)
    proxies = {}
    for realm, mode in LDAP_REALMS.items():
        proxies[realm] = FaultProxy(slapd.tls_port if mode == "ldaps"
                                    else slapd.port)
        add_ldap_realm(d, slapd, proxies[realm].port, realm, mode)
        cli(d, "user", "add", "user1@" + realm)
    api = start_gate(d, {}, pam_env)
    yield LdapGate(api, proxies, slapd)
    stop_server(api)
    for p in proxies.values():
        p.close()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def gate(ldap_gate):
    for p in ldap_gate.proxies.values():
        p.set()
    yield ldap_gate
    for p in ldap_gate.proxies.values():
        p.set()


TLS_TIMEOUT = "no complete answer within the realm's timeouts"

# (name, realm, fault, why in the log)
LDAP_LOGIN_FAULTS = [
    ("accepts, never answers", "corp", dict(on_accept="hang"),
     "ldap bind failed: Timed out - no answer within 2 s"),
    ("hangs after the bind", "corp", dict(after=BIND_RESPONSE, action="hang"),
     "ldap user search failed on 127.0.0.1: Timed out - no answer within 2 s"),
    ("drips 4 bytes every 0.25 s", "corp", dict(delay=0.25, chunk=4),
     "no answer within 2 s (realm option timeout)"),
    ("malformed BER (entry tag)", "corp",
     dict(edit=xor_at(BIND_RESPONSE, 0xff)),
     "the connection was lost, or the server's answer was not valid LDAP"),
    ("claims a 2 GiB entry", "corp",
     dict(edit=set_at(BIND_RESPONSE + 1, b"\x84\x7f\xff\xff\xff")),
     "the server sent an answer larger than 16 MiB"),
    # libldap alone spins on a silent ldaps server for ever, and blocks for
    # ever on one that stops in the middle of the handshake
    ("ldaps: accepts, never answers", "corps", dict(on_accept="hang"),
     TLS_TIMEOUT),
    ("ldaps: stops mid-handshake", "corps", dict(after=100, action="hang"),
     TLS_TIMEOUT),
    ("StartTLS: stops mid-handshake", "corpst",
     dict(after=100, action="hang"), TLS_TIMEOUT),
]


@pytest.mark.parametrize("name,realm,fault,why", LDAP_LOGIN_FAULTS,
                         ids=[f[0] for f in LDAP_LOGIN_FAULTS])
def test_ldap_login_refused_cleanly(gate, name, realm, fault, why):
    proxy = gate.proxies[realm]
    proxy.set(**fault)
    seen = proxy.connections
    r, took = refused_while_local_logins_work(
        gate.api,
        lambda: gate.api.ticket_request("user1@" + realm,
                                        gate.peer.user_password),
        lambda: _wait(lambda: proxy.connections > seen), why)
    assert r.status_code == 401, r.text
    assert r.json()["message"].startswith("authentication failure")
    assert took >= DELAY - 0.1
    TIMES["ldap login: " + name] = took


def test_ldap_login_slow_but_within_the_timeout_succeeds(gate):
    """Slowness alone is no refusal: every answer in 32-byte pieces 50 ms
    apart stays within the realm's timeout."""
    gate.proxy.set(delay=0.05, chunk=32)
    with Timer() as t:
        ticket, _ = gate.api.login("user1@corp", gate.peer.user_password)
    assert ticket.startswith("PVE:user1@corp:")
    assert t.took < TIMEOUT, t.took


def _wait(cond, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


# LDAP: sync -------------------------------------------------------------------
def sync(d, *args, check=False):
    return cli(d, "realm", "sync", "corp", "--scope", "both",
               "--remove-vanished", "acl;entry;properties", *args,
               check=check)


def _element(b, i):
    """(start, length) of the content of the BER element at b[i]."""
    n = b[i + 1]
    if n < 0x80:
        return i + 2, n
    k = n & 0x7f
    return i + 2 + k, int.from_bytes(b[i + 2:i + 2 + k], "big")


def garble(msg):
    """An LDAP message whose content is no BER at all."""
    start, _ = _element(msg, 0)
    return msg[:start] + b"\xff" * (len(msg) - start)


def break_attributes(msg):
    """A search entry whose DN reads fine but whose attribute list claims
    2 GiB; the message around it stays well-formed."""
    b = bytearray(msg)
    start, _ = _element(b, 0)
    op = sum(_element(b, start))            # after the message id
    dn, _ = _element(b, op)                 # the protocolOp's content
    attrs = sum(_element(b, dn))            # after the DN
    b[attrs + 1:attrs + 6] = b"\x84\x7f\xff\xff\xff"
    return bytes(b)


# the session slapd's users come in one page of about 20 kB (a connection
# dropped mid-answer is tried here, not at login: the same code path)
SYNC_FAULTS = [
    ("hangs mid-page", dict(after=4000, action="hang"),
     "no answer within 2 s (realm option timeout)"),
    ("drips 256 bytes every 0.1 s", dict(delay=0.1, chunk=256),
     "no answer within 2 s (realm option timeout)"),
    ("drops mid-page", dict(after=4000, action="drop"),
     "the connection was lost, or the server's answer was not valid LDAP"),
    ("an entry that is not BER", dict(edit=ber_message_edit(5, garble)),
     "the server's answer was not valid LDAP"),
    # before realmgate walked every entry, this user just went missing
    ("an entry with a broken attribute list",
     dict(edit=ber_message_edit(5, break_attributes)),
     "the server sent an entry that is not valid LDAP"),
    ("claims a 2 GiB entry",
     dict(edit=set_at(BIND_RESPONSE + 1, b"\x84\x7f\xff\xff\xff")),
     "the server sent an answer larger than 16 MiB"),
]


@pytest.mark.parametrize("name,fault,why", SYNC_FAULTS,
                         ids=[f[0] for f in SYNC_FAULTS])
def test_ldap_sync_refused_cleanly(gate, name, fault, why):
    d = gate.d
    before = user_cfg(d)
    gate.proxy.set(**fault)
    with Timer() as t:
        p = sync(d)
    assert p.returncode != 0, p.stdout
    assert "sync of realm 'corp' aborted, nothing was changed: " in p.stderr
    assert why in p.stderr, p.stderr
    assert "successfully updated" not in p.stdout
    assert user_cfg(d) == before
    assert t.took < TIMEOUT + SLACK + 1, t.took
    TIMES["ldap sync: " + name] = t.took
    # the directory itself is fine: without the fault the sync works
    gate.proxy.set()
    p = sync(d, "--dry-run", "1")
    assert p.returncode == 0, p.stderr


def test_ldap_sync_task_through_the_api_logs_its_reason(gate):
    """The task of a refused sync ends with TASK ERROR and the reason; the
    local realms log in meanwhile."""
    s = gate.api.session("alice@pve")
    gate.proxy.set(after=4000, action="hang")
    seen = gate.proxy.connections
    before = user_cfg(gate.d)
    out = {}

    def run():
        with Timer() as t:
            out["r"] = s.post("/access/domains/corp/sync",
                              data={"scope": "both"})
        out["took"] = t.took
    th = threading.Thread(target=run)
    th.start()
    assert _wait(lambda: gate.proxy.connections > seen)
    assert local_logins(gate.api) < TIMEOUT
    th.join(30)
    r = out["r"]
    assert r.status_code >= 400
    assert "no answer within 2 s (realm option timeout)" in r.text, r.text
    assert out["took"] < TIMEOUT + SLACK
    assert user_cfg(gate.d) == before
    logs = glob.glob(os.path.join(gate.d, "local", "tasks", "**", "*"),
                     recursive=True)
    text = "".join(open(p, errors="replace").read() for p in logs
                   if os.path.isfile(p) and ":auth-realm-sync:corp:" in p)
    assert "TASK ERROR: sync of realm 'corp' aborted, nothing was changed" \
        in text, logs
    TIMES["ldap sync (API task): hangs mid-page"] = out["took"]


# LDAP: oversized entries --------------------------------------------------------
@pytest.fixture(scope="module")
def big_slapd(request):
    """A slapd of its own that accepts writes of up to 64 MiB (slapd's
    default is 4 MiB), holding the oversized entries."""
    from peers import _new_slapd
    peer = _new_slapd(request, nusers=3, ngroups=0, special=False)
    peer.stop()
    conf = os.path.join(peer.dir, "slapd.conf")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("sizelimit ", "sockbuf_max_incoming_auth "
                             "67108864\nsizelimit ", 1))
    peer.start()
    people = peer.people_dn

    def person(uid, extra):
        return ("dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\n"
                "cn: %s\n%s\n" % (uid, people, uid, uid, extra))
    ldif = (person("big", "sn: " + "b" * (3 << 20) + "\n")
            + person("many", "sn: Many\n" + "".join(
                "mail: m%d@example.org\n" % i for i in range(5000)))
            + "dn: cn=crowd,%s\nobjectClass: groupOfNames\ncn: crowd\n"
            % peer.groups_dn
            + "member: %s\nmember: %s\n" % (peer.user_dn(1), peer.user_dn(2))
            + "".join("member: uid=ghost%d,%s\n" % (i, people)
                      for i in range(5000)))
    peer.ldapadd(ldif, mode="ldap")
    return peer


def test_ldap_oversized_values_are_capped(big_slapd, tmp_path):
    """A 3 MiB value is never copied (skipped with its size, not its text);
    5,000 values of an attribute and a group of 5,000 members that point
    nowhere sync correctly."""
    d = new_config_dir()
    add_ldap_realm(d, big_slapd, big_slapd.port)
    with Timer() as t:
        p = sync(d, check=True)
    assert "skipping attribute mapping lastname for user 'big@corp': the " \
        "value of sn is 3145728 bytes long" in p.stdout, p.stdout
    assert "bbbbbbbbbb" not in p.stdout + p.stderr
    users = {u["userid"]: u for u in cli_json(d, "user", "list")}
    assert "lastname" not in users["big@corp"]
    assert users["many@corp"]["email"] == "m0@example.org"
    groups = {g["groupid"]: g for g in cli_json(d, "group", "list")}
    assert set(groups["crowd-corp"]["users"].split(",")) == \
        {"user1@corp", "user2@corp"}
    assert len(user_cfg(d)) < 64 << 10
    assert t.took < 10, t.took
    shutil.rmtree(d, ignore_errors=True)


def test_ldap_entry_over_the_message_cap_is_refused(big_slapd):
    """An entry of 20 MiB is refused as a whole: libldap never buffers it,
    the sync changes nothing."""
    d = new_config_dir()
    add_ldap_realm(d, big_slapd, big_slapd.port)
    sync(d, check=True)
    before = user_cfg(d)
    big_slapd.ldapadd("dn: uid=huge,%s\nobjectClass: inetOrgPerson\n"
                      "uid: huge\ncn: huge\nsn: %s\n"
                      % (big_slapd.people_dn, "h" * (20 << 20)), mode="ldap")
    try:
        with Timer() as t:
            p = sync(d)
        assert p.returncode != 0
        assert "sync of realm 'corp' aborted, nothing was changed: " in \
            p.stderr
        assert "the server sent an answer larger than 16 MiB" in p.stderr, \
            p.stderr
        assert user_cfg(d) == before
        TIMES["ldap sync: a 20 MiB entry"] = t.took
        # the login of that user is no problem: the search asks for no
        # attribute
        cli(d, "user", "add", "huge@corp")
        r = subprocess.run([BIN, "--config-dir", d, "ticket", "huge@corp"],
                           input="x\n", capture_output=True, text=True,
                           timeout=60)
        assert r.returncode != 0 and "Invalid credentials" in r.stderr
    finally:
        big_slapd.ldapdelete("uid=huge," + big_slapd.people_dn, mode="ldap")
    shutil.rmtree(d, ignore_errors=True)


# OpenID ------------------------------------------------------------------------
OIDC_WORKERS = 2
@pytest.fixture(scope="module")
def oidc_daemon(oidc_provider, pam_env):
    d = new_config_dir()
    light_seed(d)
    api = start_gate(d, {}, pam_env, ["--workers", str(OIDC_WORKERS)])
    api.redirect = "https://127.0.0.1:%d/" % api.port
    oidc_provider.allow_redirect(api.redirect)
    api.realms = 0
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def oidc_gate(oidc_daemon, oidc_provider):
    """The module's daemon with a realm of this test's own.  The workers
    cache the provider's discovery document and keys by issuer-url, so
    each test spells the issuer its own way (more trailing slashes, which
    realmgate ignores when it compares issuers): every test starts cold."""
    api = oidc_daemon
    api.realms += 1
    api.realm = "sso%d" % api.realms
    api.issuer = oidc_provider.issuer + "/" * api.realms
    oidc_provider.reset()
    yield api
    oidc_provider.reset()


def add_openid_realm(api, op, issuer=None):
    cli(api.config_dir, "realm", "add", api.realm, "--type", "openid",
        "--issuer-url", issuer or api.issuer, "--client-id", op.client_id,
        "--client-key", op.client_secret, "--autocreate", "1",
        "--timeout", str(TIMEOUT))


def auth_url(api):
    return api.raw("POST", "/access/openid/auth-url",
                   data={"realm": api.realm, "redirect-url": api.redirect})


def oidc_answer(api, op):
    r = auth_url(api)
    assert r.status_code == 200, r.text
    return op.login(r.json()["data"], "alice", "alicepw")


def oidc_finish(api, answer):
    return api.raw("POST", "/access/openid/login",
                   data={"state": answer["state"], "code": answer["code"],
                         "redirect-url": api.redirect})


def authd_rss_kb(api):
    """RSS of the daemon's processes (the front and the authd workers)."""
    total = 0
    pids = [api.proc.pid]
    try:
        with open("/proc/%d/task/%d/children" % (api.proc.pid,
                                                 api.proc.pid)) as f:
            pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


# auth-url: discovery against a provider that is down or hostile
DISCOVERY_FAULTS = [
    ("refuses connections", "refused", "OpenID discovery failed"),
    ("accepts, never answers", "hang-accept",
     "no complete answer within 2 s (realm option timeout)"),
    ("answers nothing after the request", "hang",
     "no complete answer within 2 s (realm option timeout)"),
    ("drips one byte every 0.2 s", "drip",
     "no complete answer within 2 s (realm option timeout)"),
    ("12 MiB document", "huge", "answer larger than 1 MiB"),
    ("broken JSON", "json", "the answer is not a JSON object"),
    ("a JSON array", "not-object", "the answer is not a JSON object"),
]


@pytest.mark.parametrize("name,how,why", DISCOVERY_FAULTS,
                         ids=[f[0] for f in DISCOVERY_FAULTS])
def test_openid_discovery_refused_cleanly(oidc_gate, oidc_provider, name,
                                          how, why):
    api, op = oidc_gate, oidc_provider
    proxy = None
    if how == "refused":
        issuer = "http://127.0.0.1:%d" % free_port()   # nothing listens
        started = lambda: True
    elif how == "hang-accept":
        proxy = FaultProxy(op.port).set(on_accept="hang")
        issuer = "http://127.0.0.1:%d" % proxy.port
        started = lambda: proxy.fired.wait(10)
    else:
        issuer = None
        before = op.state()["counters"]["discovery"]
        op.fault("discovery", how)
        started = lambda: _wait(
            lambda: op.state()["counters"]["discovery"] > before)
    add_openid_realm(api, op, issuer)
    rss0 = authd_rss_kb(api)
    try:
        r, took = refused_while_local_logins_work(
            api, lambda: auth_url(api), started, "",
            bound=TIMEOUT + SLACK)
    finally:
        if proxy is not None:
            proxy.close()
    assert r.status_code >= 400
    assert "OpenID discovery failed" in r.text and why in r.text, r.text
    # a refused document never reaches memory whole
    assert authd_rss_kb(api) - rss0 < 48 << 10
    TIMES["openid auth-url: " + name] = took
    # nothing was left pending
    assert not os.path.exists(os.path.join(api.config_dir, "local", "openid",
                                           api.realm + ".json"))


# login: the token, JWKS and userinfo endpoints turn hostile after auth-url
LOGIN_FAULTS = [
    ("token endpoint never answers", "token", "hang",
     "token request failed: "),
    ("token endpoint: broken JSON", "token", "json",
     "the answer is not a JSON object"),
    ("JWKS: broken JSON", "jwks", "json",
     "fetching the provider's keys failed: "),
    ("JWKS: 12 MiB document", "jwks", "huge",
     "answer larger than 1 MiB"),
    ("JWKS: broken keys under the signing kid", "jwks", "junk-keys",
     "ID token refused"),
    ("userinfo never answers", "userinfo", "hang",
     "userinfo request failed: "),
]


@pytest.mark.parametrize("name,endpoint,how,why", LOGIN_FAULTS,
                         ids=[f[0] for f in LOGIN_FAULTS])
def test_openid_login_refused_cleanly(oidc_gate, oidc_provider, name,
                                      endpoint, how, why):
    api, op = oidc_gate, oidc_provider
    add_openid_realm(api, op)
    answer = oidc_answer(api, op)
    key = {"token": "token", "jwks": "jwks", "userinfo": "userinfo"}[endpoint]
    before = op.state()["counters"][key]
    op.fault(endpoint, how)
    faulted = time.monotonic()
    rss0 = authd_rss_kb(api)
    r, took = refused_while_local_logins_work(
        api, lambda: oidc_finish(api, answer),
        lambda: _wait(lambda: op.state()["counters"][key] > before), why,
        bound=DELAY + 2 * TIMEOUT + SLACK)
    assert r.status_code == 401, r.text
    assert "alice@" + api.realm not in {
        u["userid"] for u in cli_json(api.config_dir, "user", "list")}
    assert authd_rss_kb(api) - rss0 < 48 << 10
    if how == "hang":
        assert "no complete answer within 2 s (realm option timeout)" in \
            json.dumps(failures(api))
    TIMES["openid login: " + name] = took
    # the provider recovers: so does the realm
    op.fault(endpoint, "none")
    if how == "junk-keys":
        # a key set that parsed is cached; one whose key did not verify
        # is fetched again, at most every 10 s (it used to stay for good,
        # its kid being there)
        time.sleep(max(0, 10.5 - (time.monotonic() - faulted)))
    r = oidc_finish(api, oidc_answer(api, op))
    assert r.status_code == 200, failures(api)[-1:]


def test_openid_forged_kid_flood_does_not_hammer_the_provider(
        oidc_gate, oidc_provider):
    """Tokens naming a key the provider does not publish, four at once:
    each is refused, and the keys are fetched again at most once per
    worker (every 10 s), so forged tokens cannot turn realmgate against
    the provider."""
    api, op = oidc_gate, oidc_provider
    add_openid_realm(api, op)
    answers = [oidc_answer(api, op) for _ in range(4)]
    op.mode("unknown-kid")
    before = op.state()["counters"]["jwks"]
    results = [None] * len(answers)

    def finish(i):
        results[i] = oidc_finish(api, answers[i])
    with Timer() as t:
        threads = [threading.Thread(target=finish, args=(i,))
                   for i in range(len(answers))]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
    assert [r.status_code for r in results] == [401] * len(answers)
    assert op.state()["counters"]["jwks"] - before <= OIDC_WORKERS
    assert "which the provider does not publish" in json.dumps(failures(api))
    assert t.took < DELAY + TIMEOUT + SLACK
    TIMES["openid login: 4 forged kids at once"] = t.took
