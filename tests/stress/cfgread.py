"""
Read a realmgate config directory independently of realmgate's own parser,
so the stress harnesses can say whether every file still parses and what
state each object is in after a crash.  Strict on purpose: a line that
realmgate's lenient reader would skip with a warning is a problem here.

Only the shapes the harnesses write are modelled in detail (user, group,
token and acl lines of user.cfg; realm sections of domains.cfg; shadow.cfg;
token.cfg); everything else only has to be well-formed.
"""
import ctypes
import ctypes.util
import hashlib
import os
import re

_libcrypt = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
_libcrypt.crypt.restype = ctypes.c_char_p
_libcrypt.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
_crypt_cache = {}


def crypt_verify(password, hashed):
    """Does the crypt(3) hash (yescrypt, sha512, ...) match password?"""
    key = (password, hashed)
    if key not in _crypt_cache:
        out = _libcrypt.crypt(password.encode(), hashed.encode())
        _crypt_cache[key] = out is not None and out.decode() == hashed
    return _crypt_cache[key]


def token_verify(secret, stored):
    """token.cfg's "$rgt1$<salt hex>$<sha256 hex>" or Proxmox's plain form."""
    if stored.startswith("$rgt1$"):
        salt, _, digest = stored[len("$rgt1$"):].partition("$")
        return hashlib.sha256((salt + "$" + secret).encode()).hexdigest() == digest
    return stored == secret


class ParseError(Exception):
    pass


def _read(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError("%s: not UTF-8 (%s)" % (path, e))


USER_RE = re.compile(r"^user:([^:]+):([01]?):(\d*):([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):(.*)$")
TOKEN_RE = re.compile(r"^token:([^:!]+![^:]+):(\d*):([01]?):([^:]*):$")
GROUP_RE = re.compile(r"^group:([^:]+):([^:]*):([^:]*):$")
ROLE_RE = re.compile(r"^role:([^:]+):([^:]*):$")
POOL_RE = re.compile(r"^pool:([^:]+):([^:]*):([^:]*):([^:]*):$")
ACL_RE = re.compile(r"^acl:([01]):(/[^:]*):([^:]+):([^:]+):$")


def parse_user_cfg(path):
    """{"users": {id: {"comment", "enable", ...}}, "groups": {id: comment},
    "tokens": {id: {"comment", "privsep"}},
    "acl": {(path, subject, role): propagate}} (missing file: empty)."""
    text = _read(path)
    out = {"users": {}, "groups": {}, "tokens": {}, "acl": {}, "roles": {},
           "pools": {}}
    if text is None:
        return out
    if text and not text.endswith("\n"):
        raise ParseError("%s: no newline at the end (truncated?)" % path)
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.strip() == "":
            continue
        m = USER_RE.match(line)
        if m:
            uid = m.group(1)
            if uid in out["users"]:
                raise ParseError("%s:%d: user %s twice" % (path, n, uid))
            out["users"][uid] = {"enable": m.group(2), "comment": m.group(7)}
            continue
        m = TOKEN_RE.match(line)
        if m:
            out["tokens"][m.group(1)] = {"privsep": m.group(3),
                                         "comment": m.group(4)}
            continue
        m = GROUP_RE.match(line)
        if m:
            out["groups"][m.group(1)] = m.group(3)
            continue
        m = ROLE_RE.match(line)
        if m:
            out["roles"][m.group(1)] = m.group(2)
            continue
        m = POOL_RE.match(line)
        if m:
            out["pools"][m.group(1)] = m.group(2)
            continue
        m = ACL_RE.match(line)
        if m:
            prop, apath = int(m.group(1)), m.group(2)
            for subj in m.group(3).split(","):
                for role in m.group(4).split(","):
                    out["acl"][(apath, subj, role)] = prop
            continue
        raise ParseError("%s:%d: cannot parse %r" % (path, n, line))
    return out


SECTION_RE = re.compile(r"^([a-z]+):\s+(\S+)\s*$")
PROP_RE = re.compile(r"^\s+(\S+)(?:\s+(.*?))?\s*$")


def parse_domains_cfg(path):
    """{realm: {"type": t, prop: value, ...}} (missing file: empty)."""
    text = _read(path)
    out = {}
    if text is None:
        return out
    if text and not text.endswith("\n"):
        raise ParseError("%s: no newline at the end (truncated?)" % path)
    cur = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.strip() == "":
            cur = None
            continue
        m = SECTION_RE.match(line)
        if m and not line[0].isspace():
            if m.group(2) in out:
                raise ParseError("%s:%d: realm %s twice" % (path, n, m.group(2)))
            cur = out[m.group(2)] = {"type": m.group(1)}
            continue
        m = PROP_RE.match(line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2) if m.group(2) is not None else ""
            continue
        raise ParseError("%s:%d: cannot parse %r" % (path, n, line))
    return out


def parse_colon_secrets(path, sep):
    """shadow.cfg ("name:hash:") or token.cfg ("tokenid secret")."""
    text = _read(path)
    out = {}
    if text is None:
        return out
    if text and not text.endswith("\n"):
        raise ParseError("%s: no newline at the end (truncated?)" % path)
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.strip() == "":
            continue
        if sep == ":":
            m = re.match(r"^([^:\s]+):(\$[^:\s]+):$", line)
        else:
            m = re.match(r"^(\S+!\S+) (\S+)$", line)
        if not m:
            raise ParseError("%s:%d: cannot parse %r" % (path, n, line))
        if m.group(1) in out:
            raise ParseError("%s:%d: %s twice" % (path, n, m.group(1)))
        out[m.group(1)] = m.group(2)
    return out


def _check_pem(path):
    text = _read(path)
    if text is None:
        return
    if not re.match(r"^-----BEGIN [A-Z ]+-----\n[A-Za-z0-9+/=\n]+-----END [A-Z ]+-----\n$",
                    text):
        raise ParseError("%s: not one PEM block" % path)


def read_dir(d):
    """Every file of the config directory parsed; raises ParseError."""
    realm_pw = {}
    rdir = os.path.join(d, "priv", "realm")
    if os.path.isdir(rdir):
        for name in os.listdir(rdir):
            if name.endswith(".pw"):
                t = _read(os.path.join(rdir, name))
                if t is not None:
                    realm_pw[name[:-3]] = t.rstrip("\n")
    for pem in ("authkey.pub", "authkey.pub.old", "priv/authkey.key",
                "local/realmgate-ssl.pem", "local/realmgate-ssl.key"):
        _check_pem(os.path.join(d, pem))
    return {
        "user": parse_user_cfg(os.path.join(d, "user.cfg")),
        "domains": parse_domains_cfg(os.path.join(d, "domains.cfg")),
        "rg_domains": parse_domains_cfg(os.path.join(d, "realmgate", "domains.cfg")),
        "shadow": parse_colon_secrets(os.path.join(d, "priv", "shadow.cfg"), ":"),
        "token": parse_colon_secrets(os.path.join(d, "priv", "token.cfg"), " "),
        "realm_pw": realm_pw,
    }


# Files a config directory may hold; anything else is reported.
EXPECTED = [re.compile(p) for p in (
    r"^user\.cfg$", r"^domains\.cfg$", r"^jobs\.cfg$", r"^authkey\.pub(\.old)?$",
    r"^pve-www\.key$", r"^priv/authkey\.key$", r"^priv/shadow\.cfg$",
    r"^priv/token\.cfg$", r"^priv/realm/[^/]+\.pw$", r"^priv/lock/\.[^/]+\.flock$",
    r"^local/realmgate-ssl\.(pem|key)$", r"^realmgate/domains\.cfg$",
    r"^priv/jobs/.*$", r"^local/(tasks|openid)/.*$", r"^realmgate/.*\.json$",
)]
TEMP_RE = re.compile(r"(tmp|temp|~$|^#|\.new$|\.swp$)", re.I)


def stray_files(d):
    """(temp files, other unexpected files) under d, relative paths.
    Lock directories (priv/lock/<id>) are neither: see lock_dirs()."""
    temps, other = [], []
    for root, dirs, files in os.walk(d):
        rel_root = os.path.relpath(root, d)
        for name in files:
            rel = name if rel_root == "." else os.path.join(rel_root, name)
            if TEMP_RE.search(name):
                temps.append(rel)
            elif not any(p.match(rel) for p in EXPECTED):
                other.append(rel)
    return sorted(temps), sorted(other)


def lock_dirs(d):
    """Proxmox-style lock directories present under priv/lock."""
    ld = os.path.join(d, "priv", "lock")
    try:
        return sorted(n for n in os.listdir(ld)
                      if os.path.isdir(os.path.join(ld, n)))
    except FileNotFoundError:
        return []
