"""
Real LDAP peers for the integration tests: a private OpenLDAP slapd and a
private Samba AD DC, run by the scripts in tests/peers/.

Why: the LDAP/AD realm code (login, realm sync) has to be checked against
real directory servers with real TLS, paging, size limits, referrals and AD
semantics; a mock would only repeat our own assumptions.  Everything listens
on 127.0.0.1 only and lives in one temporary directory per pytest session.

Fixtures (import them into conftest.py):
  slapd          session-wide slapd with a small data set (see SlapdPeer)
  slapd_factory  make(...) -> a further, independent SlapdPeer (same CA,
                 so one ca_file verifies all of them; failover tests); each
                 one is stopped after the test
  samba_ad       session-wide Samba AD DC with the ad-data.sh fixture; Samba's
                 ports are fixed (389/636), so there is only ever one

Tests that stop or kill a session-wide peer must start() it again (or use
slapd_factory); tests that change its data should undo the change, or use
slapd_factory / samba_ad.reset().

env: REALMGATE_PEERS_KEEP=1 keeps the session directory (logs, databases);
     REALMGATE_PEER_CACHE=DIR keeps the provisioned and loaded AD template in
     DIR across runs (saves ~8 s per run); the key covers the scripts and the
     Samba version, so edits to the scripts rebuild it.
"""
import base64
import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(os.path.dirname(HERE), "peers")
HOST = "127.0.0.1"
TOOL_TIMEOUT = 120


def script(name):
    return os.path.join(PEERS, name)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def run(args, check=True, timeout=TOOL_TIMEOUT, **kw):
    """subprocess.run with text output captured; a failure says why."""
    if "input" not in kw:
        kw["stdin"] = subprocess.DEVNULL
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (
            " ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def ssha(password):
    """An OpenLDAP {SSHA} hash (what slappasswd makes), without a process."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


# ldapsearch output ------------------------------------------------------
class Entry(dict):
    """One search result: {attribute name as returned: [values]} plus .dn.
    attr()/first() look attribute names up case-insensitively (AD answers
    sAMAccountName, you may ask for samaccountname).  Values are str, or
    bytes when they are not UTF-8."""

    def __init__(self, dn):
        super().__init__()
        self.dn = dn

    def attr(self, name):
        """All values of attribute name ([] if absent)."""
        low = name.lower()
        for k, v in self.items():
            if k.lower() == low:
                return v
        return []

    def first(self, name, default=None):
        v = self.attr(name)
        return v[0] if v else default

    def __repr__(self):
        return "Entry(%r, %s)" % (self.dn, dict.__repr__(self))


class Result(list):
    """Entries of one ldapsearch, with its exit status (rc), stderr and the
    search continuation references AD sends (refs)."""
    rc = 0
    stderr = ""
    refs = ()


def parse_ldif(text):
    """Parse `ldapsearch -LLL -o ldif-wrap=no` output into Entries."""
    entries, refs, cur = [], [], None
    for line in text.split("\n"):
        if not line:
            cur = None
            continue
        if line.startswith("#"):
            if line.startswith("# ref"):
                refs.append(line[len("# ref"):])
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError("unparsable ldapsearch line %r" % line)
        if value.startswith(":"):
            raw = base64.b64decode(value[1:].strip())
            try:
                value = raw.decode()
            except UnicodeDecodeError:
                value = raw
        else:
            value = value[1:] if value.startswith(" ") else value
        if cur is None:
            if name.lower() != "dn":
                raise ValueError("LDIF record without dn: %r" % line)
            cur = Entry(value)
            entries.append(cur)
        else:
            cur.setdefault(name, []).append(value)
    return entries, refs


# a server ---------------------------------------------------------------
class LdapPeer:
    """What slapd and Samba AD have in common: URIs, TLS files, credentials
    and ldap-utils helpers.  Subclasses set the attributes below and
    implement _start/_stop."""

    host = HOST
    port = None          # ldap:// (plain and StartTLS)
    tls_port = None      # ldaps://
    base_dn = None
    ca_file = None       # the CA that signed the server certificate
    wrong_ca_file = None  # an unrelated CA (same subject name, other key)
    bind_dn = None       # the realm's bind (service) account
    bind_pw = None
    admin_dn = None      # may write everything
    admin_pw = None
    user_password = None  # password of the fixture's users
    dir = None
    name = "ldap"

    def __init__(self):
        self.timings = {}

    # addresses -------------------------------------------------------
    def uri(self, mode="ldap"):
        """ldap:// for "ldap" and "starttls", ldaps:// for "ldaps"."""
        if mode in ("ldap", "starttls"):
            return "ldap://%s:%d" % (self.host, self.port)
        if mode == "ldaps":
            return "ldaps://%s:%d" % (self.host, self.tls_port)
        raise ValueError("mode must be ldap, ldaps or starttls, not %r" % mode)

    # ldap-utils --------------------------------------------------------
    def tool_env(self, ca_file=None):
        """Environment for ldap-utils: no system ldap.conf or ldaprc, our CA,
        certificates always verified."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LDAP")}
        env.update(LDAPCONF=os.devnull, LDAPRC="realmgate-no-ldaprc",
                   LDAPTLS_CACERT=ca_file or self.ca_file,
                   LDAPTLS_REQCERT="demand")
        return env

    def ldap_tool(self, tool, args, bind_dn=None, bind_pw=None, mode="ldaps",
                  ca_file=None, input=None, check=True, anonymous=False):
        """Run an ldap-utils program (ldapsearch, ldapadd, ...) against this
        server with a simple bind (default: the admin account; anonymous=True
        for none); returns the CompletedProcess."""
        cmd = [tool, "-x", "-H", self.uri(mode), "-o", "nettimeout=10"]
        if mode == "starttls":
            cmd.append("-ZZ")
        if not anonymous:
            cmd += ["-D", bind_dn or self.admin_dn,
                    "-w", self.admin_pw if bind_pw is None else bind_pw]
        kw = {"input": input} if input is not None else {}
        return run(cmd + list(args), check=check, env=self.tool_env(ca_file), **kw)

    def ldapadd(self, ldif, continue_on_error=False, **kw):
        """Add the entries of ldif (text) as admin."""
        args = ["-c"] if continue_on_error else []
        return self.ldap_tool("ldapadd", args, input=ldif, **kw)

    def ldapmodify(self, ldif, **kw):
        """Apply LDIF change records (changetype: modify/add/delete/modrdn)."""
        return self.ldap_tool("ldapmodify", [], input=ldif, **kw)

    def ldapdelete(self, *dns, recursive=False, **kw):
        """Delete entries by DN (recursive=True: with their subtrees)."""
        args = (["-r"] if recursive else []) + list(dns)
        return self.ldap_tool("ldapdelete", args, **kw)

    def ldapsearch(self, args, bind_dn=None, bind_pw=None, **kw):
        """Raw ldapsearch (as the bind account by default) -> CompletedProcess."""
        return self.ldap_tool("ldapsearch", args, bind_dn=bind_dn or self.bind_dn,
                              bind_pw=self.bind_pw if bind_pw is None else bind_pw,
                              **kw)

    def search(self, filter="(objectClass=*)", attrs=(), base=None, scope="sub",
               paged=None, ok_rc=(0,), extra=(), **kw):
        """Search as the bind account (or bind_dn/bind_pw/anonymous) and parse
        the result.  paged=N uses the paged results control with pages of N.
        Raises unless ldapsearch's exit status is in ok_rc (4 = size limit
        exceeded, 32 = no such object ...).  Returns a Result (a list of
        Entry) with .rc, .stderr and .refs."""
        args = ["-LLL", "-o", "ldif-wrap=no", "-s", scope,
                "-b", self.base_dn if base is None else base]
        if paged:
            args += ["-E", "pr=%d/noprompt" % paged]
        args += list(extra) + [filter] + list(attrs)
        p = self.ldapsearch(args, check=False, **kw)
        if p.returncode not in ok_rc:
            raise AssertionError("ldapsearch %s failed (%d):\n%s" % (
                " ".join(args), p.returncode, p.stderr))
        entries, refs = parse_ldif(p.stdout)
        res = Result(entries)
        res.rc, res.stderr, res.refs = p.returncode, p.stderr, refs
        return res

    def bind(self, dn, password, mode="ldaps", ca_file=None):
        """Try a simple bind as dn (and read the root DSE); returns the
        CompletedProcess: returncode 0 = bound, 49 = invalid credentials,
        255 = could not connect (also: TLS verification failed) ..."""
        return self.ldap_tool("ldapsearch", ["-LLL", "-s", "base", "-b", "",
                                             "(objectClass=*)", "1.1"],
                              bind_dn=dn, bind_pw=password, mode=mode,
                              ca_file=ca_file, check=False)

    def can_bind(self, dn, password, **kw):
        return self.bind(dn, password, **kw).returncode == 0

    # process -----------------------------------------------------------
    def start(self):
        """Start the server (no-op if it runs); returns once it answers."""
        if self.running():
            return
        t = time.monotonic()
        self._start()
        self.timings["start"] = time.monotonic() - t

    def stop(self):
        """SIGTERM and wait for the exit."""
        self._stop("stop")

    def kill(self):
        """SIGKILL (a directory dying mid-sync) and wait for the exit."""
        self._stop("kill")

    def restart(self):
        self.stop()
        self.start()

    def pid(self):
        try:
            with open(self.pidfile) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def running(self):
        pid = self.pid()
        if pid is None:
            return False
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state != "Z"

    def log(self):
        """The server's log so far (for assertion messages)."""
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.uri("ldap"))


class SlapdPeer(LdapPeer):
    """A private OpenLDAP slapd (tests/peers/slapd.sh).

    Directory (BASE dc=example,dc=org):
      cn=admin,BASE / adminpw                 rootdn (admin_dn/admin_pw)
      cn=svc,ou=services,BASE / svcpw         bind account (bind_dn/bind_pw):
                                              reads all but password hashes
      uid=userN,ou=people,BASE / Passw0rd     N = 1..nusers (inetOrgPerson)
      cn=groupN,ou=groups,BASE                N = 1..ngroups (groupOfNames)
    with the special entries (special=True):
      uid=we*ird(name),ou=people / Passw0rd   filter metacharacters (weird_uid)
      cn=Ops Team,ou=groups                   a space (space_group):
                                              members user1, user2, weird
    Anonymous may only bind; plain searches stop after 500 entries
    (rc 4), paged ones get everything; memberOf is maintained."""

    name = "slapd"
    base_dn = "dc=example,dc=org"
    admin_pw = "adminpw"
    bind_pw = "svcpw"
    user_password = "Passw0rd"
    weird_uid = "we*ird(name)"
    space_group = "Ops Team"

    def __init__(self, dir, tls_dir, wrong_ca_file, port=None, tls_port=None):
        super().__init__()
        self.dir = dir
        self.port = port or free_port()
        self.tls_port = tls_port or free_port()
        while self.tls_port == self.port:
            self.tls_port = free_port()
        self.tls_dir = tls_dir
        self.ca_file = os.path.join(tls_dir, "ca.crt")
        self.wrong_ca_file = wrong_ca_file
        self.admin_dn = "cn=admin," + self.base_dn
        self.bind_dn = "cn=svc,ou=services," + self.base_dn
        self.people_dn = "ou=people," + self.base_dn
        self.groups_dn = "ou=groups," + self.base_dn
        self.pidfile = os.path.join(dir, "run", "slapd.fgpid")
        self.logfile = os.path.join(dir, "run", "slapd.log")
        self.nusers = self.ngroups = 0

    def user_dn(self, uid):
        """uid may be a number: user_dn(7) == uid=user7,ou=people,..."""
        if isinstance(uid, int):
            uid = "user%d" % uid
        return "uid=%s,%s" % (uid, self.people_dn)

    def group_dn(self, cn):
        if isinstance(cn, int):
            cn = "group%d" % cn
        return "cn=%s,%s" % (cn, self.groups_dn)

    def setup(self, nusers=50, ngroups=5, members=10, special=True):
        """Write the config, start, load ldap-data.sh's data (online, so
        memberOf is filled) and the special entries."""
        env = dict(os.environ, BASE=self.base_dn, ADMINPW=self.admin_pw,
                   TLSDIR=self.tls_dir)
        run([script("slapd.sh"), "conf", self.dir], env=env)
        self.start()
        t = time.monotonic()
        self.load(nusers, ngroups, members)
        if special:
            self.ldapadd(self.special_ldif(), mode="ldap")
        self.timings["load"] = time.monotonic() - t

    def load(self, nusers, ngroups, members=20):
        """Add ldap-data.sh's data set (with the base entries: once only)."""
        data = run([script("ldap-data.sh"), str(nusers), str(ngroups),
                    str(members)],
                   env=dict(os.environ, BASE=self.base_dn, SVCPW=self.bind_pw,
                            USERPW=self.user_password)).stdout
        self.ldapadd(data, mode="ldap")
        self.nusers, self.ngroups = nusers, ngroups

    def special_ldif(self):
        weird = self.user_dn(self.weird_uid)
        members = [self.user_dn(1), self.user_dn(2)] if self.nusers >= 2 else []
        return (
            "dn: %s\nobjectClass: inetOrgPerson\nuid: %s\ncn: Weird Name\n"
            "givenName: Weird\nsn: Name\nmail: weird@example.org\n"
            "userPassword: %s\n\n" % (weird, self.weird_uid, ssha(self.user_password))
            + "dn: %s\nobjectClass: groupOfNames\ncn: %s\n" % (
                self.group_dn(self.space_group), self.space_group)
            + "".join("member: %s\n" % m for m in members + [weird]))

    def _start(self):
        p = run([script("slapd.sh"), "start", self.dir, str(self.port),
                 str(self.tls_port)], check=False)
        if p.returncode != 0:
            raise AssertionError("slapd did not start on %d/%d:\n%s%s" % (
                self.port, self.tls_port, p.stdout, p.stderr))

    def _stop(self, how):
        run([script("slapd.sh"), how, self.dir])


class SambaADPeer(LdapPeer):
    """A private Samba AD DC (tests/peers/samba-ad.sh) holding ad-data.sh's
    objects: realm EXAMPLE.TEST, base DC=example,DC=test.

      Administrator@example.test / Adm1nPass!x   bind and admin account
      alice, bob, carol (OU=people) / Passw0rd!  enabled (UPN name@example.test)
      dave / Passw0rd!                           disabled (bind: 49, data 533)
      erin / Passw0rd!                           expired  (bind: 49, data 701)
      bulk0001..bulk1600 (OU=bulk)               no password
      groups (OU=groups): infra-admins {alice, net-admins},
        net-admins {bob, noc}, noc {carol}, cyc-a <-> cyc-b (a cycle),
        big-group {1600 bulk users}, "Domain Ops Team" {alice, bob},
        "ops+dev" {carol} (sAMAccountName ops-dev: AD refuses '+' there)
    Simple binds need TLS (ldaps or starttls): plain ldap gives rc 8.
    Samba does not cut `member` at 1500 values by itself (real AD does):
    only an explicit member;range=0-1499 request gets a partial answer."""

    name = "samba-ad"
    port = 389
    tls_port = 636
    base_dn = "DC=example,DC=test"
    realm = "EXAMPLE.TEST"
    domain = "EXAMPLE"
    upn_suffix = "example.test"
    admin_pw = "Adm1nPass!x"
    user_password = "Passw0rd!"
    users = ("alice", "bob", "carol")
    disabled_user = "dave"
    expired_user = "erin"
    nbulk = 1600
    big_group = "big-group"
    odd_groups = ("Domain Ops Team", "ops+dev")
    # group cn -> every user in it, through nesting
    transitive_members = {
        "infra-admins": {"alice", "bob", "carol"},
        "net-admins": {"bob", "carol"},
        "noc": {"carol"},
    }

    def __init__(self, dir, template, wrong_ca_file):
        super().__init__()
        self.dir = dir
        self.template = template
        self.ca_file = os.path.join(dir, "tls", "ca.crt")
        self.wrong_ca_file = wrong_ca_file
        self.admin_dn = "Administrator@" + self.upn_suffix
        self.bind_dn = self.admin_dn
        self.bind_pw = self.admin_pw
        self.people_dn = "OU=people," + self.base_dn
        self.groups_dn = "OU=groups," + self.base_dn
        self.bulk_dn = "OU=bulk," + self.base_dn
        self.pidfile = os.path.join(dir, "run", "samba.fgpid")
        self.logfile = os.path.join(dir, "samba.out")

    def upn(self, name):
        return "%s@%s" % (name, self.upn_suffix)

    def user_dn(self, name):
        if name.startswith("bulk"):
            return "CN=%s,%s" % (name, self.bulk_dn)
        return "CN=%s,%s" % (name, self.people_dn)

    def group_dn(self, cn):
        return "CN=%s,%s" % (cn.replace("+", "\\+"), self.groups_dn)

    def clone(self):
        t = time.monotonic()
        run([script("samba-ad.sh"), "clone", self.template, self.dir])
        self.timings["clone"] = time.monotonic() - t

    def reset(self):
        """Back to the pristine fixture data: stop, copy the template again,
        start (about a second)."""
        self.stop()
        shutil.rmtree(self.dir)
        self.clone()
        self.start()

    def samba_tool(self, *args, check=True):
        """samba-tool on the database directly (samba-tool over ldap(s)://
        does not work against this DC); fine while samba runs."""
        return run(["samba-tool"] + list(args) +
                   ["-s", os.path.join(self.dir, "etc", "smb.conf"),
                    "-H", os.path.join(self.dir, "private", "sam.ldb")],
                   check=check)

    def _start(self):
        p = run([script("samba-ad.sh"), "start", self.dir], check=False)
        if p.returncode != 0:
            raise AssertionError("samba did not start:\n%s%s" % (p.stdout, p.stderr))

    def _stop(self, how):
        run([script("samba-ad.sh"), how, self.dir])


# the session directory ----------------------------------------------------
class _Session:
    """One temporary directory per pytest session: the shared CA (slapd
    instances), the wrong CA, and one subdirectory per peer."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="realmgate-peers-")
        self.tls_dir = os.path.join(self.base, "ca")
        run([script("mkca.sh"), self.tls_dir])
        # same subject name as the real CAs, different key: a client that
        # only compares names would wrongly accept it
        run([script("mkca.sh"), os.path.join(self.base, "wrongca")])
        self.wrong_ca_file = os.path.join(self.base, "wrongca", "ca.crt")
        self.ad_template = None
        self.ad_timings = {}
        self._n = 0
        self._lock = threading.Lock()

    def subdir(self, prefix):
        with self._lock:
            self._n += 1
            return os.path.join(self.base, "%s%d" % (prefix, self._n))

    def cleanup(self):
        if os.environ.get("REALMGATE_PEERS_KEEP"):
            print("\npeers: kept %s" % self.base)
            return
        shutil.rmtree(self.base, ignore_errors=True)


_session = None


def _get_session(config):
    global _session
    if _session is None:
        _session = _Session()

        def cleanup():
            global _session
            s, _session = _session, None
            s.cleanup()
        config.add_cleanup(cleanup)
    return _session


def _ad_template_key():
    h = hashlib.sha256()
    for name in ("samba-ad.sh", "ad-data.sh", "mkca.sh", "proc.sh"):
        with open(script(name), "rb") as f:
            h.update(f.read())
    h.update(run(["samba", "-V"]).stdout.encode())
    return h.hexdigest()[:16]


def _build_ad_template(path, wrong_ca_file, timings):
    """Provision into path, start, load ad-data.sh, stop."""
    t = time.monotonic()
    run([script("samba-ad.sh"), "provision", path])
    timings["provision"] = time.monotonic() - t
    peer = SambaADPeer(path, None, wrong_ca_file)
    try:
        peer.start()
        timings["template_start"] = peer.timings["start"]
        t = time.monotonic()
        data = run([script("ad-data.sh"), str(SambaADPeer.nbulk)]).stdout
        peer.ldapadd(data, mode="ldaps")
        timings["load"] = time.monotonic() - t
    finally:
        peer.stop()


def _cert_valid_for_a_day(path):
    return subprocess.run(["openssl", "x509", "-checkend", "86400", "-noout",
                           "-in", os.path.join(path, "tls", "server.crt")],
                          capture_output=True).returncode == 0


def _ad_template(sess):
    if sess.ad_template is not None:
        return sess.ad_template
    cache = os.environ.get("REALMGATE_PEER_CACHE")
    if not cache:
        path = os.path.join(sess.base, "ad-template")
        _build_ad_template(path, sess.wrong_ca_file, sess.ad_timings)
    else:
        os.makedirs(cache, exist_ok=True)
        path = os.path.join(os.path.abspath(cache), "samba-ad-" + _ad_template_key())
        with open(os.path.join(cache, "lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (os.path.isfile(os.path.join(path, "etc", "smb.conf"))
                    and _cert_valid_for_a_day(path)):
                # templates of older scripts or Samba versions go
                for old in os.listdir(cache):
                    if old.startswith("samba-ad-"):
                        shutil.rmtree(os.path.join(cache, old), ignore_errors=True)
                tmp = path + ".new"
                shutil.rmtree(tmp, ignore_errors=True)
                _build_ad_template(tmp, sess.wrong_ca_file, sess.ad_timings)
                os.rename(tmp, path)
            else:
                sess.ad_timings["cached_template"] = path
    sess.ad_template = path
    return path


# fixtures -----------------------------------------------------------------
def _new_slapd(request, nusers=50, ngroups=5, members=10, special=True,
               port=None, tls_port=None):
    sess = _get_session(request.config)
    peer = SlapdPeer(sess.subdir("slapd"), sess.tls_dir, sess.wrong_ca_file,
                     port=port, tls_port=tls_port)
    # registered before starting: a half-started server is stopped too
    request.addfinalizer(peer.stop)
    peer.setup(nusers, ngroups, members, special)
    return peer


@pytest.fixture(scope="session")
def slapd(request):
    """The session's slapd: 50 users, 5 groups of 10, special entries."""
    return _new_slapd(request)


@pytest.fixture
def slapd_factory(request):
    """make(nusers=50, ngroups=5, members=10, special=True, port=None,
    tls_port=None) -> a new running SlapdPeer, stopped after the test.
    All instances share the session CA (ca_file)."""
    def make(**kw):
        return _new_slapd(request, **kw)
    return make


@pytest.fixture(scope="session")
def samba_ad(request):
    """The session's Samba AD DC, a copy of the loaded template."""
    sess = _get_session(request.config)
    template = _ad_template(sess)
    peer = SambaADPeer(sess.subdir("samba-ad"), template, sess.wrong_ca_file)
    request.addfinalizer(peer.stop)
    peer.timings.update(sess.ad_timings)
    peer.clone()
    peer.start()
    return peer
