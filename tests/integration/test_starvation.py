"""
Worker starvation by a slow realm (issue 9, follow-up of items 6 and 13):
a login against an LDAP directory that hangs holds an authd worker for the
realm's timeouts.  Before, an anonymous client with a few such logins in
flight took every worker, and pve/pam logins and every API write waited
for those timeouts, again and again.  The front now lets calls that go to
an external realm (ldap, ad, openid) hold at most workers - 1 workers (at
least one), and one realm at most half of those (rounded up), so a worker
is always left for the local realms and the API.

The directories here are silent TCP listeners on 127.0.0.1 (they accept
and never answer: faultproxy's on_accept="hang").  127.0.0.2 sends the
hanging logins, 127.0.0.1 logs in locally and writes meanwhile.  Bounds
are generous (a shared, loaded 2-core machine under ASan); `pytest -s`
prints the measured times.
"""
import shutil
import threading
import time

import pytest

from conftest import (PASSWORDS, cli, new_config_dir, ok, session_from,
                      stop_server)
from faultproxy import FaultProxy, Timer
from test_hostile_peers import ROOT_PW, light_seed, pam_env, start_gate  # noqa: F401

TIMEOUT = 3         # the hanging realms' `timeout` (s per LDAP operation)
EXTERNAL = 6        # concurrent logins to a hanging realm
LOCAL_BOUND = 2.5   # a local login or write meanwhile (s)


def add_silent_realm(d, realm, port):
    cli(d, "realm", "add", realm, "--type", "ldap", "--server1", "127.0.0.1",
        "--port", str(port), "--mode", "ldap", "--base_dn",
        "dc=example,dc=org", "--user_attr", "uid", "--connect-timeout", "1",
        "--timeout", str(TIMEOUT))
    cli(d, "user", "add", "x@" + realm)


@pytest.fixture
def starved(pam_env):  # noqa: F811
    """A daemon with two authd workers (as on CI), alice@pve, root@pam
    (pam_wrapper) and the realms corp and corp2, each on a silent
    listener; yields (api, {realm: listener})."""
    made = []

    def make(workers):
        d = new_config_dir()
        light_seed(d)
        listeners = {}
        for realm in ("corp", "corp2"):
            listeners[realm] = FaultProxy(1).set(on_accept="hang")
            add_silent_realm(d, realm, listeners[realm].port)
        api = start_gate(d, {}, pam_env, ["--workers", str(workers)])
        made.append((api, d, listeners))
        return api, listeners
    yield make
    for api, d, listeners in made:
        stop_server(api)
        for p in listeners.values():
            p.close()
        shutil.rmtree(d, ignore_errors=True)


def hanging_logins(api, realm, n, source="127.0.0.2"):
    """Start n logins to realm from source; returns (threads, answers)."""
    answers = []

    def one():
        with Timer() as t:
            r = session_from(source).post(
                api.url("/access/ticket"), verify=api.cert, timeout=120,
                data={"username": "x@" + realm, "password": "whatever"})
        answers.append((r.status_code, t.took))
    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    return threads, answers


def wait_for(cond, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_local_logins_and_writes_do_not_wait_for_a_hanging_directory(starved):
    api, listeners = starved(2)
    ticket, csrf = api.login("alice@pve")
    s = session_from("127.0.0.1")
    times = {}

    def login(user, pw):
        with Timer() as t:
            r = s.post(api.url("/access/ticket"), verify=api.cert,
                       timeout=120, data={"username": user, "password": pw})
        times[user] = (r.status_code, t.took)

    def write():
        with Timer() as t:
            r = s.post(api.url("/access/groups"), verify=api.cert,
                       timeout=120, data={"groupid": "g1"},
                       cookies={"PVEAuthCookie": ticket},
                       headers={"CSRFPreventionToken": csrf})
        times["write"] = (r.status_code, t.took)
    threads, answers = hanging_logins(api, "corp", EXTERNAL)
    try:
        assert listeners["corp"].fired.wait(15), "the directory was not asked"
        time.sleep(0.5)     # every hanging login is queued by now
        local = [threading.Thread(target=login, args=a) for a in (
            ("alice@pve", PASSWORDS["alice@pve"]), ("root@pam", ROOT_PW))]
        local.append(threading.Thread(target=write))
        for t in local:
            t.start()
        for t in local:
            t.join(150)
        print("\nwhile %d logins hung on corp: %s" % (EXTERNAL, ", ".join(
            "%s %.2f s" % (k, v[1]) for k, v in times.items())))
        assert {k: v[0] for k, v in times.items()} == {
            "alice@pve": 200, "root@pam": 200, "write": 200}, times
        for what, (_, took) in times.items():
            assert took < LOCAL_BOUND, (what, times)
    finally:
        for t in threads:
            t.join(150)
    assert len(answers) == EXTERNAL
    assert all(status == 401 for status, _ in answers), answers
    # they did hang: each took at least the realm's timeout
    assert min(took for _, took in answers) >= TIMEOUT, answers
    print("hanging logins answered after %s s" % ", ".join(
        "%.1f" % took for _, took in sorted(answers, key=lambda a: a[1])))


def test_one_hanging_realm_leaves_room_for_other_realms(starved):
    """Four workers: at most three external calls in flight, at most two
    to one realm.  corp hangs with six logins; a login to corp2 (another
    hanging realm, so that its arrival is seen) reaches its directory at
    once instead of after corp's timeout, and pve still logs in."""
    api, listeners = starved(4)
    threads, answers = hanging_logins(api, "corp", EXTERNAL)
    other, other_answers = [], []
    try:
        assert wait_for(lambda: listeners["corp"].connections >= 1)
        first = time.monotonic()
        assert wait_for(lambda: listeners["corp"].connections >= 2)
        # halfway through the first ones' timeout: none has ended yet
        time.sleep(max(0, first + TIMEOUT / 2 - time.monotonic()))
        assert listeners["corp"].connections == 2, \
            "more than two calls in flight to one realm"
        with Timer() as t:
            other, other_answers = hanging_logins(api, "corp2", 1,
                                                  source="127.0.0.3")
            assert wait_for(lambda: listeners["corp2"].connections >= 1)
        reached = t.took
        with Timer() as t:
            api.login("alice@pve")
        print("\ncorp2 reached after %.2f s, alice@pve logged in in %.2f s"
              % (reached, t.took))
        assert reached < TIMEOUT - 1, reached
        assert t.took < LOCAL_BOUND, t.took
    finally:
        for th in threads + other:
            th.join(150)
    assert [s for s, _ in answers + other_answers] == [401] * (EXTERNAL + 1)
