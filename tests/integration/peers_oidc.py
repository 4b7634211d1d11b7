"""
A real OpenID Connect provider for the integration tests: panva's
oidc-provider (pinned in tests/oidc/package.json) run by tests/oidc/provider.mjs
on 127.0.0.1, with a test-control layer on the same port (/__test/...) that
can mangle the ID tokens of the token endpoint, rotate the signing key and
break discovery.

Fixture (import it into conftest.py):
  oidc_provider   session-wide OidcProvider (see the class for the API)

Tests that change the provider (mode, broken discovery, stop) must undo it
(reset(), start()); rotate() cannot be undone - later tests only see a new
signing kid, which a correct client handles.

node_modules: installed with `npm ci` from the committed package-lock.json
when missing or not matching the lock file (CI runs npm ci itself).

env: REALMGATE_PEERS_KEEP=1 keeps the session directory (provider.log, keys).
"""
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
OIDC_DIR = os.path.join(os.path.dirname(HERE), "oidc")
HOST = "127.0.0.1"
READY_TIMEOUT = 30
STOP_TIMEOUT = 5
REQ_TIMEOUT = 15
NPM_TIMEOUT = 300

# http(s)://127.0.0.1:PORT/ (and without the /) is always allowed by provider.mjs
_LOOPBACK_ROOT = re.compile(r"^https?://127\.0\.0\.1:([0-9]{1,5})/?$")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    if isinstance(text, str):
        text = text.encode()
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def decode_jwt(token):
    """(header, payload, signature bytes) of a compact JWS, unverified."""
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), b64url_decode(s)


def pkce_pair():
    """(code_verifier, S256 code_challenge)."""
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


# node modules ---------------------------------------------------------------
def _node_modules_current():
    """True when every package of package-lock.json is installed in its
    locked version."""
    try:
        with open(os.path.join(OIDC_DIR, "package-lock.json")) as f:
            lock = json.load(f)
        for path, meta in lock.get("packages", {}).items():
            if not path.startswith("node_modules/"):
                continue
            with open(os.path.join(OIDC_DIR, path, "package.json")) as f:
                if json.load(f).get("version") != meta.get("version"):
                    return False
        return True
    except (OSError, ValueError):
        return False


def ensure_node_modules(timings=None):
    if _node_modules_current():
        return
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail("oidc peer: %s not found" % tool)
    t = time.monotonic()
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"],
                       cwd=OIDC_DIR, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=NPM_TIMEOUT)
    if p.returncode != 0 or not _node_modules_current():
        pytest.fail("oidc peer: npm ci in %s failed (%d):\n%s%s" % (
            OIDC_DIR, p.returncode, p.stdout, p.stderr))
    if timings is not None:
        timings["npm_ci"] = time.monotonic() - t


class LoginRedirect(dict):
    """The query of the provider's final redirect (code, state, iss - or
    error, error_description); .url is the whole redirect URL."""

    def __init__(self, url):
        super().__init__(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        self.url = url


class OidcProvider:
    """tests/oidc/provider.mjs on 127.0.0.1.

    issuer, port                     http://127.0.0.1:PORT; the port stays
                                     the same across stop()/start()
    client_id, client_secret         pve / pve-secret (client_secret_basic)
    post_client_id, post_client_secret
                                     pve-post / pve-post-secret
                                     (client_secret_post)
    accounts                         {login: password}: alice, bob, carol, dave
    scope                            "openid profile email groups"
    Redirect URIs: every http(s)://127.0.0.1:PORT/ (path "/", or none as in
    location.origin) is allowed; allow_redirect(url) adds others.

    Control: mode(m), rotate(drop_old=False), break_discovery(on=True,
    how="500"|"json"), fault(endpoint, how), state(), reset(),
    allow_redirect(url), stop(), start(), restart(), running(), log().
    Flows: auth_url(...), login(auth_url, user, password),
    password_refused(...), exchange(...), discovery(), jwks()."""

    client_id = "pve"
    client_secret = "pve-secret"
    post_client_id = "pve-post"
    post_client_secret = "pve-post-secret"
    accounts = {"alice": "alicepw", "bob": "bobpw", "carol": "carolpw",
                "dave": "davepw"}
    scope = "openid profile email groups"
    MODES = ("normal", "unknown-key", "unknown-kid", "alg-none", "hs256-pubkey",
             "wrong-aud", "wrong-iss", "wrong-nonce", "expired", "future-iat",
             "no-sub", "bad-signature")

    def __init__(self, dir):
        self.dir = dir
        self.state_dir = os.path.join(dir, "state")
        self.logfile = os.path.join(dir, "provider.log")
        self.port = None
        self.issuer = None
        self.proc = None
        self.timings = {}
        self._extra_redirects = []

    # process ------------------------------------------------------------
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        """Start provider.mjs (no-op if it runs); returns once it serves.
        The first start picks a free port, later ones reuse it; the keys
        survive, the mode and broken discovery do not."""
        if self.running():
            return
        ensure_node_modules(self.timings)
        os.makedirs(self.state_dir, exist_ok=True)
        t = time.monotonic()
        offset = os.path.getsize(self.logfile) if os.path.exists(self.logfile) else 0
        with open(self.logfile, "ab") as log:
            self.proc = subprocess.Popen(
                ["node", os.path.join(OIDC_DIR, "provider.mjs"),
                 "--port", str(self.port or 0), "--state-dir", self.state_dir],
                cwd=OIDC_DIR, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + READY_TIMEOUT
        issuer = None
        while issuer is None:
            with open(self.logfile, "rb") as f:
                f.seek(offset)
                m = re.search(rb"^READY (http://\S+)$", f.read(), re.M)
            if m:
                issuer = m.group(1).decode()
                break
            if self.proc.poll() is not None:
                rc, self.proc = self.proc.returncode, None
                pytest.fail("oidc provider exited with %d before READY:\n%s" % (
                    rc, self.log(offset)))
            if time.monotonic() > deadline:
                self._stop(signal.SIGKILL)
                pytest.fail("oidc provider not ready after %ds:\n%s" % (
                    READY_TIMEOUT, self.log(offset)))
            time.sleep(0.02)
        self.issuer = issuer
        self.port = int(issuer.rsplit(":", 1)[1])
        if self._extra_redirects:
            self._ctl("POST", "redirects", {"add": self._extra_redirects})
        self.timings["start"] = time.monotonic() - t

    def _stop(self, sig):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc, self.proc = self.proc.returncode, None
        return rc

    def stop(self):
        """SIGTERM and wait for the exit."""
        self._stop(signal.SIGTERM)

    def kill(self):
        self._stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        self.start()

    def log(self, offset=0):
        try:
            with open(self.logfile, "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # test control -------------------------------------------------------
    def _ctl(self, method, what, body=None):
        r = requests.request(method, "%s/__test/%s" % (self.issuer, what),
                             json=body, timeout=REQ_TIMEOUT)
        if r.status_code != 200:
            raise AssertionError("oidc provider /__test/%s: %d %s" % (
                what, r.status_code, r.text))
        return r.json()

    def state(self):
        """{"mode", "kids", "signing_kid", "counters": {"token", "jwks",
        "discovery", "auth", "userinfo", "interaction"}, "discovery_broken",
        "extra_redirects", ...}"""
        return self._ctl("GET", "state")

    def mode(self, m):
        """Mangle the ID token of every following token response (until
        the next mode()); "normal" turns it off.  Returns state()."""
        return self._ctl("POST", "mode", {"mode": m})

    def rotate(self, drop_old=False):
        """New RSA signing key with a new kid; the old keys stay in the JWKS
        unless drop_old.  Returns state()."""
        return self._ctl("POST", "rotate", {"drop_old": bool(drop_old)})

    def break_discovery(self, on=True, how="500"):
        """While on, discovery answers 500 (how="500") or 200 with
        invalid JSON (how="json").  Returns state()."""
        return self._ctl("POST", "discovery", {"broken": bool(on), "how": how})

    def fault(self, endpoint, how):
        """A hostile provider: every following request to endpoint
        ("discovery", "jwks", "token", "userinfo") is answered as how:
        "500", "json" (cut off), "not-object", "huge" (12 MiB of valid
        JSON), "hang" (never answered), "drip" (one byte every 200 ms),
        "junk-keys" (jwks: broken keys, one with the signing kid); "none"
        turns it off, as does reset().  Returns state()."""
        return self._ctl("POST", "fault", {"endpoint": endpoint, "how": how})

    def reset(self):
        """Mode normal, discovery working, no faults (hanging answers are
        cut), counters zero (keys unchanged)."""
        return self._ctl("POST", "reset")

    def allow_redirect(self, url):
        """Allow a redirect URI for both clients (http(s)://127.0.0.1:PORT/
        always is)."""
        m = _LOOPBACK_ROOT.match(url)
        if m and 1 <= int(m.group(1)) <= 65535 and str(int(m.group(1))) == m.group(1):
            return
        if url not in self._extra_redirects:
            self._extra_redirects.append(url)
        if self.running():
            self._ctl("POST", "redirects", {"add": [url]})

    # provider endpoints -------------------------------------------------
    def discovery(self):
        r = requests.get(self.issuer + "/.well-known/openid-configuration",
                         timeout=REQ_TIMEOUT)
        r.raise_for_status()
        return r.json()

    def jwks(self):
        r = requests.get(self.issuer + "/jwks", timeout=REQ_TIMEOUT)
        r.raise_for_status()
        return r.json()

    def auth_url(self, redirect_uri, state=None, nonce=None, code_challenge=None,
                 client_id=None, scope=None, **extra):
        """An authorization request URL (what a relying party builds);
        code_challenge=None leaves PKCE out."""
        q = {"client_id": client_id or self.client_id, "response_type": "code",
             "scope": scope or self.scope, "redirect_uri": redirect_uri}
        if state is not None:
            q["state"] = state
        if nonce is not None:
            q["nonce"] = nonce
        if code_challenge is not None:
            q["code_challenge"] = code_challenge
            q["code_challenge_method"] = "S256"
        q.update(extra)
        return "%s/auth?%s" % (self.issuer, urlencode(q))

    def login(self, auth_url, user, password, session=None):
        """Follow auth_url (e.g. from realmgate's /access/openid/auth-url)
        through the login and consent forms as user.  Returns the query of
        the final redirect to the relying party as a LoginRedirect dict
        (code, state, iss; or error, ...) without requesting it; None when
        the login form refuses the password.  session: a requests.Session
        to keep provider cookies across logins (default: a fresh one)."""
        s = session or requests.Session()
        url, method, data = auth_url, "GET", None
        for _ in range(20):
            r = s.request(method, url, data=data, allow_redirects=False,
                          timeout=REQ_TIMEOUT)
            if r.is_redirect:
                loc = urljoin(url, r.headers["Location"])
                if not loc.startswith(self.issuer + "/"):
                    return LoginRedirect(loc)
                url, method, data = loc, "GET", None
                continue
            if (r.status_code == 401 and method == "POST"
                    and data.get("prompt") == "login"):
                return None
            if (r.status_code == 200 and method == "GET"
                    and urlsplit(url).path.startswith("/interaction/")):
                action = re.search(r'<form[^>]*action="([^"]+)"', r.text)
                prompt = re.search(r'name="prompt" value="([a-z]+)"', r.text)
                if not action or not prompt:
                    raise AssertionError("no interaction form at %s:\n%s" % (url, r.text))
                url = urljoin(url, action.group(1).replace("&amp;", "&"))
                method = "POST"
                if prompt.group(1) == "login":
                    data = {"prompt": "login", "login": user, "password": password}
                elif prompt.group(1) == "consent":
                    data = {"prompt": "consent"}
                else:
                    raise AssertionError("unknown prompt %r at %s" % (prompt.group(1), url))
                continue
            raise AssertionError("oidc login: %s %s -> %d\n%s" % (
                method, url, r.status_code, r.text[:2000]))
        raise AssertionError("oidc login: too many steps from %s" % auth_url)

    def password_refused(self, auth_url, user, password):
        """True when the login form refuses user/password."""
        return self.login(auth_url, user, password) is None

    def exchange(self, code, redirect_uri, code_verifier=None, client="basic"):
        """The token request of a relying party; client "basic" (pve,
        client_secret_basic) or "post" (pve-post, client_secret_post).
        Returns the requests.Response."""
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri}
        if code_verifier is not None:
            data["code_verifier"] = code_verifier
        auth = None
        if client == "basic":
            auth = (self.client_id, self.client_secret)
        elif client == "post":
            data.update(client_id=self.post_client_id,
                        client_secret=self.post_client_secret)
        else:
            raise ValueError("client must be basic or post")
        return requests.post(self.issuer + "/token", data=data, auth=auth,
                             timeout=REQ_TIMEOUT)

    def __repr__(self):
        return "<OidcProvider %s>" % self.issuer


@pytest.fixture(scope="session")
def oidc_provider(request):
    """The session's OpenID provider (tests/oidc/provider.mjs)."""
    base = tempfile.mkdtemp(prefix="realmgate-oidc-")
    op = OidcProvider(base)

    def cleanup():
        op.stop()
        if os.environ.get("REALMGATE_PEERS_KEEP"):
            print("\noidc peer: kept %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    # registered before starting: a half-started provider is stopped too
    request.addfinalizer(cleanup)
    op.start()
    return op
