"""
The etcd cluster harness itself (etcd_cluster.py, tests/etcd/etcd-cluster.sh):
three members start healthy on 127.0.0.1, a killed leader is replaced by
an election, a restarted member rejoins and has the writes it missed.
Skipped without an etcd binary.
"""
import base64
import json
import time
import urllib.request

import pytest

from etcd_cluster import EtcdCluster, etcd_available, free_baseport

pytestmark = pytest.mark.skipif(not etcd_available(), reason="no etcd binary")


def b64(s):
    return base64.b64encode(s.encode()).decode()


def post(url, path, body):
    req = urllib.request.Request(url + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)


def get(url, key, serializable=False):
    ans = post(url, "/v3/kv/range", {"key": b64(key), "serializable": serializable})
    return [base64.b64decode(kv["value"]).decode() for kv in ans.get("kvs", [])]


def test_three_members_kill_leader_restart(tmp_path):
    with EtcdCluster(tmp_path, 3) as c:
        assert c.endpoints == ",".join(c.endpoint(i) for i in (1, 2, 3))
        for i in (1, 2, 3):
            with urllib.request.urlopen(c.url(i) + "/health", timeout=5) as r:
                assert json.load(r)["health"] == "true"
        lead = c.leader()
        post(c.url(lead), "/v3/kv/put", {"key": b64("a"), "value": b64("1")})
        c.kill(lead)
        other = lead % 3 + 1
        deadline = time.monotonic() + 15
        while True:
            try:
                post(c.url(other), "/v3/kv/put", {"key": b64("b"), "value": b64("2")})
                break
            except OSError:
                # "no leader" (HTTP 503) or a timeout during the election
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert c.leader() != lead
        c.restart(lead)
        assert get(c.url(lead), "a") == ["1"]
        assert get(c.url(lead), "b") == ["2"]
    assert not any((tmp_path / ("etcd-3/m%d.pid" % i)).exists() for i in (1, 2, 3))


def test_fixed_baseport_and_single_member(tmp_path):
    base = free_baseport(1)
    with EtcdCluster(tmp_path, 1, baseport=base) as c:
        assert c.endpoints == "127.0.0.1:%d" % base
        assert c.leader() == 1
        post(c.url(1), "/v3/kv/put", {"key": b64("k"), "value": b64("v")})
        assert get(c.url(1), "k") == ["v"]
