"""Least privilege of `realmgate serve` started as root (as on CI): the
HTTP front runs as the dedicated system user "realmgate" (never nobody,
never root), the daemon refuses to start without that user unless --user
names one, and the front cannot open the TLS key, the audit log or
anything in priv/, all of which stay root's alone (0600)."""
import os
import pwd
import shutil
import signal
import stat
import subprocess

import pytest

from conftest import BIN, new_config_dir, seed, start_server, stop_server

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="privilege separation needs root")


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(p) for p in f.read().split()]


def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


@pytest.fixture
def daemon():
    d = new_config_dir()
    seed(d)
    audit = os.path.join(d, "audit.jsonl")
    # an audit log and a key as earlier versions left them: the front's
    with open(audit, "w"):
        pass
    os.chmod(audit, 0o644)
    api = start_server(d, extra_args=["--audit-log", audit])
    api.audit = audit
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


def front_of(api):
    fronts = [p for p in children(api.proc.pid)
              if int(status(p)["Uid"][0]) != 0]
    assert len(fronts) == 1, fronts
    return fronts[0]


def test_front_runs_as_the_realmgate_user(daemon):
    pw = pwd.getpwnam("realmgate")
    st = status(front_of(daemon))
    assert [int(x) for x in st["Uid"]] == [pw.pw_uid] * 4
    assert [int(x) for x in st["Gid"]] == [pw.pw_gid] * 4
    assert st["Groups"] == []
    assert int(st["CapEff"][0], 16) == 0 and int(st["CapPrm"][0], 16) == 0
    assert pw.pw_uid != pwd.getpwnam("nobody").pw_uid


def test_key_and_audit_log_are_root_0600(daemon):
    key = os.path.join(daemon.config_dir, "local", "realmgate-ssl.key")
    for path in (key, daemon.audit):
        st = os.stat(path)
        assert (st.st_uid, st.st_gid) == (0, 0), path
        assert stat.S_IMODE(st.st_mode) == 0o600, (path, oct(st.st_mode))
    # the front still logs through the descriptor it was handed
    daemon.login("alice@pve")
    with open(daemon.audit) as f:
        assert '"event":"login"' in f.read()


def test_front_cannot_open_secrets(daemon):
    st = status(front_of(daemon))
    uid, gid = int(st["Uid"][0]), int(st["Gid"][0])
    d = daemon.config_dir
    secrets = [os.path.join(d, "priv", n) for n in
               ("shadow.cfg", "token.cfg", "authkey.key")]
    secrets += [os.path.join(d, "local", "realmgate-ssl.key"), daemon.audit]
    for path in secrets:
        assert os.path.exists(path), path
    # a process with exactly the front's credentials tries each file
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            opened = []
            for path in secrets:
                for flags in (os.O_RDONLY, os.O_WRONLY):
                    try:
                        os.close(os.open(path, flags))
                        opened.append(path)
                    except PermissionError:
                        pass
            os.write(w, ("\n".join(opened) or "-").encode())
        finally:
            os._exit(0)
    os.close(w)
    out = os.read(r, 65536).decode()
    os.close(r)
    os.waitpid(pid, 0)
    assert out == "-", "the front's user could open: " + out


def serve_without_realmgate_user(d, *extra):
    """Start serve in a mount namespace whose /etc/passwd and /etc/group
    lack the user realmgate; returns the CompletedProcess."""
    tmp = os.path.join(d, "etc")
    os.mkdir(tmp)
    for name in ("passwd", "group"):
        with open("/etc/" + name) as f:
            lines = [l for l in f if not l.startswith("realmgate:")]
        with open(os.path.join(tmp, name), "w") as f:
            f.writelines(lines)
    script = ('mount --bind "$1/passwd" /etc/passwd && '
              'mount --bind "$1/group" /etc/group && shift && exec "$@"')
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         script, "sh", tmp, BIN, "--config-dir", d, "serve", "--listen",
         "127.0.0.1:1"] + list(extra),
        capture_output=True, text=True, timeout=30)


def test_refuses_to_start_without_the_realmgate_user():
    d = new_config_dir()
    try:
        p = serve_without_realmgate_user(d)
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "refusing to run the HTTP front as root: there is no user " \
            "'realmgate'" in p.stderr, p.stderr
        assert "adduser --system --no-create-home --group realmgate" in \
            p.stderr
        # --user root is refused too
        p = subprocess.run([BIN, "--config-dir", d, "serve", "--listen",
                            "127.0.0.1:1", "--user", "root"],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 1 and "it is root (uid 0)" in p.stderr, \
            p.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_an_explicit_user_is_still_honoured(server_factory):
    api = server_factory(["--user", "daemon"])
    st = status(front_of(api))
    assert int(st["Uid"][0]) == pwd.getpwnam("daemon").pw_uid
    api.session("alice@pve")
