"""
Failed logins under load (issue 9, item 7): every failure is answered at
the same mark after arrival whatever failed (an unknown user costs a hash
too), and the password hashing is shared fairly between client addresses,
so that one address guessing passwords on many connections does not delay
another address's login (it took 8-11 s while 300 connections guessed).

127.0.0.2 guesses, 127.0.0.1 logs in.  Bounds are generous (the machine
is shared); loops are bounded in count and time.
"""
import os
import shutil
import signal
import statistics
import threading
import time

import pytest

from conftest import (PASSWORDS, new_config_dir, ok, seed, session_from,
                      start_server, stop_server)

GUESSERS = 120
FAIL_DELAY = 3.0


@pytest.fixture
def busy_daemon():
    """A daemon with GUESSERS connections from 127.0.0.2 guessing alice's
    password without pause (each waits for its 401, then guesses again)."""
    d = new_config_dir()
    info = seed(d)
    api = start_server(d, info["tokens"], [
        "--max-conns-per-address", str(GUESSERS + 10)])
    stop = threading.Event()
    answers = []

    def guess():
        s = session_from("127.0.0.2")
        for _ in range(30):
            if stop.is_set():
                return
            try:
                r = s.post(api.url("/access/ticket"), verify=api.cert,
                           timeout=60, data={"username": "alice@pve",
                                             "password": "guess"})
                answers.append(r.status_code)
            except Exception:
                answers.append(0)
    threads = [threading.Thread(target=guess) for _ in range(GUESSERS)]
    for t in threads:
        t.start()
    # until every guesser has had an answer: the queue is full
    deadline = time.monotonic() + 30
    while len(answers) < GUESSERS and time.monotonic() < deadline:
        time.sleep(0.2)
    yield api
    stop.set()
    for t in threads:
        t.join(90)
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)
    assert answers and set(answers) == {401}, set(answers)


def timed_login(s, api, user, password):
    t0 = time.monotonic()
    r = s.post(api.url("/access/ticket"), verify=api.cert, timeout=60,
               data={"username": user, "password": password})
    return r, time.monotonic() - t0


def test_a_login_is_fast_while_another_address_guesses(busy_daemon):
    api = busy_daemon
    s = session_from("127.0.0.1")
    for _ in range(3):
        r, took = timed_login(s, api, "bob@pve", PASSWORDS["bob@pve"])
        assert ok(r)["username"] == "bob@pve"
        assert took < 3, "login took %.2f s while 127.0.0.2 guessed" % took


def test_failures_take_the_same_time_for_unknown_users(busy_daemon):
    """Medians of 12 failures each, under load: an unknown user and a
    wrong password of an existing user are answered at the same mark."""
    api = busy_daemon
    times = {"unknown": [], "wrong": []}

    def one(kind, i):
        s = session_from("127.0.0.1")
        user, pw = (("nobody%d@pve" % i, "whatever-1") if kind == "unknown"
                    else ("carol@pve", "not-carols-%d" % i))
        r, took = timed_login(s, api, user, pw)
        assert r.status_code == 401
        times[kind].append(took)
    for batch in range(3):
        threads = [threading.Thread(target=one, args=(k, batch * 4 + i))
                   for i in range(4) for k in ("unknown", "wrong")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    unknown = statistics.median(times["unknown"])
    wrong = statistics.median(times["wrong"])
    assert len(times["unknown"]) == len(times["wrong"]) == 12
    assert FAIL_DELAY <= unknown < FAIL_DELAY + 0.5, times
    assert FAIL_DELAY <= wrong < FAIL_DELAY + 0.5, times
    assert abs(unknown - wrong) < 0.1, times



@pytest.fixture
def one_worker():
    d = new_config_dir()
    info = seed(d)
    api = start_server(d, info["tokens"], ["--workers", "1"])
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


def authd_worker(api):
    with open("/proc/%d/task/%d/children" % (api.proc.pid, api.proc.pid)) as f:
        for p in f.read().split():
            with open("/proc/%s/comm" % p) as c:
                if c.read().strip() == "realmgate-authd":
                    return int(p)
    raise AssertionError("no authd worker")


def test_a_late_failure_waits_for_the_next_whole_second(one_worker):
    """Work that overran the 3 s mark (the worker held still for 3.4 s
    here) is answered at 4 s, for an unknown user and a wrong password
    alike: the overrun does not tell which check ran."""
    api = one_worker
    worker = authd_worker(api)
    times = {}

    def one(kind, user, pw):
        r, took = timed_login(session_from("127.0.0.1"), api, user, pw)
        times[kind] = (r.status_code, took)
    threads = [threading.Thread(target=one, args=a) for a in (
        ("unknown", "nobody@pve", "whatever-1"),
        ("wrong", "carol@pve", "not-carols"),
        ("right", "bob@pve", PASSWORDS["bob@pve"]))]
    os.kill(worker, signal.SIGSTOP)
    try:
        for t in threads:
            t.start()
        time.sleep(3.4)
    finally:
        os.kill(worker, signal.SIGCONT)
    for t in threads:
        t.join(30)
    for kind in ("unknown", "wrong"):
        status, took = times[kind]
        assert status == 401
        assert FAIL_DELAY + 1 <= took < FAIL_DELAY + 1.4, times
    # a success is not held back
    status, took = times["right"]
    assert status == 200 and took < FAIL_DELAY + 1, times
