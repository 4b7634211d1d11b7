"""The realm-sync job scheduler of `realmgate serve`: a job whose schedule
fires every second runs at most once in a minute, as under Proxmox's
scheduler, and its task logs are pruned (the pruning's limits themselves
are unit-tested in tests/unit/api/test-task-logs.c)."""
import json
import os
import shutil
import time

import pytest

from conftest import (cli, closed_port, new_config_dir, start_server,
                      stop_server)



@pytest.fixture
def every_second():
    """A daemon with a realm-sync job "*:*:0/1" on an LDAP realm whose
    server refuses connections (each run fails at once)."""
    d = new_config_dir()
    cli(d, "realm", "add", "corp", "--type", "ldap", "--server1",
        "127.0.0.1", "--port", str(closed_port()), "--mode", "ldap",
        "--base_dn", "dc=example,dc=com", "--user_attr", "uid")
    with open(os.path.join(d, "jobs.cfg"), "w") as f:
        f.write("realm-sync: every-sec\n\trealm corp\n"
                "\tschedule *:*:0/1\n\tscope users\n")
    api = start_server(d)
    yield d
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


def test_every_second_job_runs_at_most_once_a_minute(every_second):
    d = every_second
    state = os.path.join(d, "priv", "jobs", "realm-sync-every-sec.json")
    runs = set()
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        try:
            with open(state) as f:
                st = json.load(f)
        except (OSError, ValueError):
            st = {}
        if st.get("state") not in (None, "created"):
            runs.add(st["time"])
        time.sleep(0.1)
    assert runs, "the job never ran"
    minutes = [t // 60 for t in runs]
    assert len(set(minutes)) == len(minutes), "two runs in a minute: %r" % \
        sorted(runs)
    assert len(runs) <= 2, sorted(runs)
    tasks = os.listdir(os.path.join(d, "local", "tasks"))
    assert 1 <= len(tasks) <= 2, tasks
