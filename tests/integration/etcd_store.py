"""
The etcd store's side of the tests: a private etcd (etcd_cluster.py, on
127.0.0.1) and store URLs for config directories.  RG_STORE=etcd starts one
etcd for the pytest session on first use (stopped when the session ends)
and gives each config directory a prefix of its own in it.
"""
import atexit
import os
import shutil
import tempfile

from etcd_cluster import EtcdCluster, free_baseport

_single = {}


def free_base_port(span=30):
    """A base port with span/10 members' worth of free ports after it."""
    return free_baseport(max(1, span // 10))


class Cluster:
    """N etcd members; url() gives a store URL on a prefix."""

    def __init__(self, n=1, tls_dir=None, extra_args=None):
        self.tmp = tempfile.mkdtemp(prefix="realmgate-etcd-")
        self.etcd = EtcdCluster(self.tmp, n, extra_args=extra_args,
                                tls_dir=tls_dir).start()
        self.n = n
        self.tls = tls_dir is not None
        self.endpoints = self.etcd.endpoints
        self.dir = self.etcd.dir

    def url(self, prefix, **opts):
        q = "&".join("%s=%s" % kv for kv in opts.items())
        return "%s://%s/%s%s" % ("etcds" if self.tls else "etcd",
                                 self.endpoints, prefix, "?" + q if q else "")

    def kill(self, i):
        self.etcd.kill(i)

    def restart(self, i):
        self.etcd.restart(i)

    def leader(self):
        return self.etcd.leader()

    def stop(self):
        self.etcd.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def single():
    if "c" not in _single:
        _single["c"] = Cluster(1)
        atexit.register(_single["c"].stop)
    return _single["c"]


def url_for(config_dir):
    """A prefix of its own for config_dir in the session's etcd."""
    return single().url("t" + os.path.basename(config_dir).replace(
        "realmgate-it-", "").replace("_", "-"))
