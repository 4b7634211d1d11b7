"""Faults: CLI writers killed (SIGKILL) at chosen moments must not block,
litter or weaken what comes after them.  The moments are the named test
points of src/common/testpoint.c, which a debug build (the ASan build the
suites run) obeys through REALMGATE_TEST_KILL_AT=<point>[:<detail>]."""
import glob
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import BIN, cli, new_config_dir, start_server, stop_server


def killed_cli(d, point, *args):
    """Run the CLI, killed at point; the process must die of SIGKILL."""
    env = dict(os.environ, REALMGATE_TEST_KILL_AT=point)
    p = subprocess.run([BIN, "--config-dir", d] + list(args), env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == -signal.SIGKILL, (
        "not killed at %s (status %d): is %s a debug build (meson "
        "--buildtype=debug, as `make test` builds)?\n%s" %
        (point, p.returncode, BIN, p.stderr))
    return p


def cli_ticket(d, user, password):
    return subprocess.run([BIN, "--config-dir", d, "ticket", user],
                          input=password + "\n", capture_output=True,
                          text=True, timeout=60)


def read(path):
    with open(path) as f:
        return f.read()


def temps(d):
    return sorted(glob.glob(os.path.join(d, "**", "*.tmp.*"), recursive=True))


@pytest.fixture
def cfgdir():
    d = new_config_dir()
    cli(d, "group", "add", "first")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_lock_left_before_its_owner_record_does_not_block(cfgdir):
    # killed between the mkdir of priv/lock/file-user_cfg and its record
    killed_cli(cfgdir, "lock-mkdir:file-user_cfg", "group", "add", "lost")
    assert os.path.isdir(os.path.join(cfgdir, "priv", "lock",
                                      "file-user_cfg"))
    t0 = time.monotonic()
    cli(cfgdir, "group", "add", "next")
    assert time.monotonic() - t0 < 3, "the next write waited for the lock"
    text = read(os.path.join(cfgdir, "user.cfg"))
    assert "group:next:" in text and "group:lost:" not in text
    assert not os.path.exists(os.path.join(cfgdir, "priv", "lock",
                                           "file-user_cfg"))


def test_lock_of_a_writer_killed_holding_it_does_not_block(cfgdir):
    # killed with the lock taken and recorded, its temp file written
    killed_cli(cfgdir, "write-tmp:user.cfg", "group", "add", "lost")
    t0 = time.monotonic()
    cli(cfgdir, "group", "add", "next")
    assert time.monotonic() - t0 < 3


def test_temp_file_of_a_killed_writer_is_removed_by_the_next_write(cfgdir):
    killed_cli(cfgdir, "write-tmp:user.cfg", "group", "add", "lost")
    left = temps(cfgdir)
    assert [os.path.basename(p).split(".tmp.")[0] for p in left] == \
        ["user.cfg"], left
    cli(cfgdir, "group", "add", "next")
    assert temps(cfgdir) == []
    text = read(os.path.join(cfgdir, "user.cfg"))
    assert "group:next:" in text and "group:lost:" not in text
    # the same for the secret files
    killed_cli(cfgdir, "write-tmp:shadow.cfg", "user", "add", "u1@pve",
               "--password", "u1-secret-123")
    assert len(temps(cfgdir)) == 1
    cli(cfgdir, "user", "add", "u2@pve", "--password", "u2-secret-123")
    assert temps(cfgdir) == []


def test_stale_hash_of_a_killed_user_add_never_authenticates(cfgdir):
    shadow = os.path.join(cfgdir, "priv", "shadow.cfg")
    # the hash is written, user.cfg is not
    killed_cli(cfgdir, "write-tmp:user.cfg", "user", "add", "eve@pve",
               "--password", "eve-secret-123")
    assert "eve:" in read(shadow)
    assert "eve@pve" not in read(os.path.join(cfgdir, "user.cfg"))
    # a later user of the same name, created without a password
    cli(cfgdir, "user", "add", "eve@pve", "--comment", "someone else")
    assert "eve:" not in read(shadow)
    p = cli_ticket(cfgdir, "eve@pve", "eve-secret-123")
    assert p.returncode != 0 and not p.stdout.startswith("PVE:"), p.stdout
    # with a password of its own, that one works and the old one does not
    cli(cfgdir, "user", "delete", "eve@pve")
    killed_cli(cfgdir, "write-tmp:user.cfg", "user", "add", "eve@pve",
               "--password", "eve-secret-123")
    cli(cfgdir, "user", "add", "eve@pve", "--password", "eve-other-456")
    assert cli_ticket(cfgdir, "eve@pve", "eve-secret-123").returncode != 0
    p = cli_ticket(cfgdir, "eve@pve", "eve-other-456")
    assert p.returncode == 0 and p.stdout.startswith("PVE:eve@pve:"), p.stderr


def test_temp_files_of_killed_writers_are_removed_at_start(cfgdir):
    killed_cli(cfgdir, "write-tmp:user.cfg", "group", "add", "lost")
    killed_cli(cfgdir, "write-tmp:shadow.cfg", "user", "add", "u1@pve",
               "--password", "u1-secret-123")
    assert len(temps(cfgdir)) == 2
    api = start_server(cfgdir)
    try:
        assert temps(cfgdir) == []
    finally:
        stop_server(api)
