"""
The crash harness's model of what the config directory must hold.

Each object (a user, group, ACL entry, token or realm) is written by one
writer only, one operation at a time, so its history is a sequence.  The
model keeps, per object, the set of states it may be in: an acknowledged
write (HTTP 200, CLI exit 0) replaces the set by the write applied to it; a
write that was interrupted (killed CLI, dropped connection) may or may not
have happened, so its result joins the set; a definite refusal ("already
exists") keeps the states in which it would be refused.  A check compares
the files with the set: a state that matches is fine, none is a lost or
corrupted acknowledged write.  After a check the set shrinks to what was
found (the interrupted writes have been decided).

States are tuples or None (absent).  UNKNOWN stands for a secret the
harness never saw (the answer of an interrupted token add).
"""
import random

from cfgread import crypt_verify, token_verify

UNKNOWN = "<unknown>"
ROLE = "PVEAuditor"
ACL_USER = "stressacl@pve"
TOKEN_USER = "stresstok@pve"
REALM_BASE = ["--server1", "127.0.0.1", "--base_dn", "dc=stress,dc=example",
              "--user_attr", "uid"]


class Op:
    """One write: what it does to a state, and how to send it.
    apply(state) -> new state, or the string "refused" if the real
    operation refuses in that state."""

    def __init__(self, kind, obj, name, apply, cli, http, stdin=None,
                 secret_from_answer=False):
        self.kind = kind
        self.obj = obj
        self.name = name
        self.apply = apply
        self.cli = cli          # argv after --config-dir DIR
        self.http = http        # (method, path, params)
        self.stdin = stdin
        self.secret_from_answer = secret_from_answer

    def label(self):
        return "%s %s %s" % (self.kind, self.name, self.obj.key)


class Obj:
    kind = None

    def __init__(self, key):
        self.key = key
        self.states = {None}
        self.lost = False   # the model lost track: believe the next check
        self.history = []   # (outcome, op label) since the last check

    def pick_state(self):
        return random.choice(list(self.states))

    def applied(self, op, outcome, secret=None):
        """Record the outcome of op: "ack", "maybe", "refused"."""
        self.history.append((outcome, op.label()))
        if len(self.history) > 50:
            del self.history[:-50]
        if self.lost:
            return True
        new = set()
        for s in self.states:
            r = op.apply(s)
            if r == "refused":
                if outcome in ("maybe", "refused"):
                    new.add(s)
                continue
            if op.secret_from_answer:
                r = (r[0], secret if secret is not None else UNKNOWN)
            if outcome == "ack":
                new.add(r)
            elif outcome == "maybe":
                new.add(s)
                new.add(r)
        if not new:
            return False    # acknowledged/refused in no possible state
        self.states = new
        return True

    def could_refuse(self, op):
        return self.lost or any(op.apply(s) == "refused" for s in self.states)

    def check(self, files):
        """(ok, found description); on ok the set shrinks to the matches."""
        actual = self.actual(files)
        keep = {s for s in self.states if self.matches(s, actual, files)}
        if keep:
            self.states = keep
            self.history = []
            return True, actual
        return False, actual

    def resync(self, files):
        """After a failure: believe the files from now on."""
        self.states = {self.from_actual(self.actual(files))}
        self.lost = False
        self.history = []

    def from_actual(self, actual):
        return actual

    def matches(self, s, actual, files):
        return s == actual

    def diagnose(self, actual):
        """A name for a known kind of mismatch, or None."""
        return None


def _c(s):
    return s[0] if s is not None else None


class User(Obj):
    """pve user: None or (comment, password or None).  Its hash lives in
    priv/shadow.cfg: a user without a password must have none there (a
    hash left by a killed delete must not let a new user of the same name
    in)."""
    kind = "user"

    def actual(self, files):
        u = files["user"]["users"].get(self.key)
        h = files["shadow"].get(self.key.split("@")[0])
        if u is None:
            return None if h is None else ("<absent>", h)
        return (u["comment"], h)

    def matches(self, s, actual, files):
        if s is None:
            # an orphan hash of an absent user is counted, not a failure
            return actual is None or actual[0] == "<absent>"
        if actual is None or actual[0] == "<absent>" or actual[0] != s[0]:
            return False
        if s[1] is None:
            return actual[1] is None
        if s[1] == UNKNOWN:
            return True
        return actual[1] is not None and crypt_verify(s[1], actual[1])

    def from_actual(self, actual):
        if actual is None or actual[0] == "<absent>":
            return None
        return (actual[0], None if actual[1] is None else UNKNOWN)

    def diagnose(self, actual):
        if actual is not None and actual[0] != "<absent>" and \
                actual[1] is not None and \
                all(s is not None and s[1] is None for s in self.states):
            return ("stale password hash: a user added without a password "
                    "has the hash an interrupted write left in shadow.cfg")
        if actual is not None and actual[0] != "<absent>" and \
                actual[1] is None and \
                any(s is not None and s[1] is not None for s in self.states) and \
                all(s is None or s[1] is not None for s in self.states):
            return ("user without its password hash: shadow.cfg entry removed, "
                    "user.cfg not (an interrupted delete, torn)")
        return None

    def ops(self, tag):
        s = self.pick_state()
        k = self.key
        pw = "pass-word-%s" % tag
        if s is None:
            with_pw = random.random() < 0.5
            cli = ["user", "add", k, "--comment", tag]
            params = {"userid": k, "comment": tag}
            if with_pw:
                cli += ["--password", pw]
                params["password"] = pw
            p = pw if with_pw else None
            return Op(self.kind, self, "add",
                      lambda st: (tag, p) if st is None else "refused",
                      cli, ("POST", "/access/users", params))
        r = random.random()
        if r < 0.4:
            return Op(self.kind, self, "modify",
                      lambda st: "refused" if st is None else (tag, st[1]),
                      ["user", "modify", k, "--comment", tag],
                      ("PUT", "/access/users/" + k, {"comment": tag}))
        if r < 0.7:
            return Op(self.kind, self, "passwd",
                      lambda st: "refused" if st is None else (st[0], pw),
                      ["passwd", k],
                      ("PUT", "/access/password", {"userid": k, "password": pw}),
                      stdin="%s\n%s\n" % (pw, pw))
        return Op(self.kind, self, "delete",
                  lambda st: "refused" if st is None else None,
                  ["user", "delete", k], ("DELETE", "/access/users/" + k, None))


class Group(Obj):
    kind = "group"

    def actual(self, files):
        return files["user"]["groups"].get(self.key)

    def ops(self, tag):
        s = self.pick_state()
        k = self.key
        if s is None:
            return Op(self.kind, self, "add",
                      lambda st: tag if st is None else "refused",
                      ["group", "add", k, "--comment", tag],
                      ("POST", "/access/groups", {"groupid": k, "comment": tag}))
        if random.random() < 0.6:
            return Op(self.kind, self, "modify",
                      lambda st: "refused" if st is None else tag,
                      ["group", "modify", k, "--comment", tag],
                      ("PUT", "/access/groups/" + k, {"comment": tag}))
        return Op(self.kind, self, "delete",
                  lambda st: "refused" if st is None else None,
                  ["group", "delete", k], ("DELETE", "/access/groups/" + k, None))


class Acl(Obj):
    """The ROLE entry of ACL_USER on a path: None or its propagate bit."""
    kind = "acl"

    def actual(self, files):
        return files["user"]["acl"].get((self.key, ACL_USER, ROLE))

    def ops(self, tag):
        k = self.key
        if random.random() < 0.65:
            p = random.choice((0, 1))
            return Op(self.kind, self, "modify",
                      lambda st: p,
                      ["acl", "modify", k, "--roles", ROLE, "--users", ACL_USER,
                       "--propagate", str(p)],
                      ("PUT", "/access/acl", {"path": k, "roles": ROLE,
                                              "users": ACL_USER,
                                              "propagate": str(p)}))
        return Op(self.kind, self, "delete", lambda st: None,
                  ["acl", "delete", k, "--roles", ROLE, "--users", ACL_USER],
                  ("PUT", "/access/acl", {"path": k, "roles": ROLE,
                                          "users": ACL_USER, "delete": "1"}))


class Token(Obj):
    """A token of TOKEN_USER: None or (comment, secret).  The secret is
    checked against priv/token.cfg's salted hash."""
    kind = "token"

    def __init__(self, key):
        super().__init__(key)
        self.full = "%s!%s" % (TOKEN_USER, key)

    def actual(self, files):
        t = files["user"]["tokens"].get(self.full)
        sec = files["token"].get(self.full)
        if t is None:
            return None if sec is None else ("<absent>", sec)
        return (t["comment"], sec)

    def matches(self, s, actual, files):
        if s is None:
            return actual is None or actual[0] == "<absent>"
        if actual is None or actual[0] == "<absent>" or actual[0] != s[0]:
            return False
        if s[1] == UNKNOWN:
            return True
        return actual[1] is not None and token_verify(s[1], actual[1])

    def from_actual(self, actual):
        if actual is None or actual[0] == "<absent>":
            return None
        return (actual[0], UNKNOWN)

    def diagnose(self, actual):
        if actual is not None and actual[0] != "<absent>" and actual[1] is None:
            return ("token listed in user.cfg without its secret in "
                    "token.cfg (an interrupted removal, torn)")
        return None

    def ops(self, tag):
        s = self.pick_state()
        k = self.key
        path = "/access/users/%s/token/%s" % (TOKEN_USER, k)
        if s is None:
            return Op(self.kind, self, "add",
                      lambda st: (tag, None) if st is None else "refused",
                      ["user", "token", "add", TOKEN_USER, k, "--comment", tag,
                       "--output-format", "json"],
                      ("POST", path, {"comment": tag}), secret_from_answer=True)
        if random.random() < 0.5:
            return Op(self.kind, self, "modify",
                      lambda st: "refused" if st is None else (tag, st[1]),
                      ["user", "token", "modify", TOKEN_USER, k, "--comment", tag],
                      ("PUT", path, {"comment": tag}))
        return Op(self.kind, self, "remove",
                  lambda st: "refused" if st is None else None,
                  ["user", "token", "remove", TOKEN_USER, k],
                  ("DELETE", path, None))


class Realm(Obj):
    """An ldap realm: None or (comment, bind password or None), the
    password in priv/realm/<realm>.pw.  A realm without a password must
    have no such file (one left by a killed delete would hand the old
    bind password to a new realm of the same name)."""
    kind = "realm"

    def actual(self, files):
        r = files["domains"].get(self.key)
        pw = files["realm_pw"].get(self.key)
        if r is None:
            return None if pw is None else ("<absent>", pw)
        return (r.get("comment"), pw)

    def matches(self, s, actual, files):
        if s is None:
            return actual is None or actual[0] == "<absent>"
        if actual is None or actual[0] == "<absent>":
            return False
        return actual[0] == s[0] and (s[1] == UNKNOWN or actual[1] == s[1])

    def from_actual(self, actual):
        if actual is None or actual[0] == "<absent>":
            return None
        return actual

    def diagnose(self, actual):
        if actual is None or actual[0] == "<absent>":
            return None
        if actual[1] is not None and \
                all(s is not None and s[1] is None for s in self.states):
            return ("stale bind password: a realm added without one has the "
                    "priv/realm/<realm>.pw an interrupted write left")
        if actual[1] is None and \
                any(s is not None and s[1] is not None for s in self.states) and \
                all(s is None or s[1] is not None for s in self.states):
            return ("realm without its bind password: priv/realm/<realm>.pw "
                    "removed, domains.cfg not (an interrupted delete, torn)")
        return None

    def ops(self, tag):
        s = self.pick_state()
        k = self.key
        if s is None:
            pw = "bind-%s" % tag if random.random() < 0.5 else None
            cli = ["realm", "add", k, "--type", "ldap", "--comment", tag] + REALM_BASE
            params = {"realm": k, "type": "ldap", "comment": tag,
                      "server1": "127.0.0.1", "base_dn": "dc=stress,dc=example",
                      "user_attr": "uid"}
            if pw is not None:
                cli += ["--password", pw]
                params["password"] = pw
            return Op(self.kind, self, "add",
                      lambda st: (tag, pw) if st is None else "refused",
                      cli, ("POST", "/access/domains", params))
        if random.random() < 0.6:
            return Op(self.kind, self, "modify",
                      lambda st: "refused" if st is None else (tag, st[1]),
                      ["realm", "modify", k, "--comment", tag],
                      ("PUT", "/access/domains/" + k, {"comment": tag}))
        return Op(self.kind, self, "delete",
                  lambda st: "refused" if st is None else None,
                  ["realm", "delete", k], ("DELETE", "/access/domains/" + k, None))


def objects_for(writer, per_kind=3):
    """The objects one writer owns (names carry the writer's number)."""
    w = writer
    objs = []
    for k in range(per_kind):
        objs.append(User("s%du%d@pve" % (w, k)))
        objs.append(Group("s%dg%d" % (w, k)))
        objs.append(Acl("/vms/%d" % (1000 + 100 * w + k)))
        objs.append(Token("w%dt%d" % (w, k)))
        objs.append(Realm("s%dr%d" % (w, k)))
    return objs
