"""
The etcd store (issue 11; src/core/cfs): a config directory - Proxmox's
own files included - goes into a real etcd and comes back byte for byte;
several `realmgate serve` nodes on one store share users, tickets, tokens,
lockout counters, pending OpenID logins and the scheduled jobs; a write
costs what it changes.  Runs in the meson test api-integration-etcd
(RG_STORE=etcd: new_config_dir() gives every directory a store prefix of
its own in the session's private etcd, etcd_store.py).  Faults (members
killed, quorum lost, fencing) are in test_store_faults.py.
"""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time

import pytest

import etcd_store
from conftest import (BIN, REPO, STORES, cli, cli_json, new_config_dir, ok,
                      seed, start_server, stop_server)

pytestmark = pytest.mark.skipif(os.environ.get("RG_STORE") != "etcd",
                                reason="runs in api-integration-etcd")

COMPAT = os.path.join(REPO, "tests", "compat", "proxmox")


def plain_dir():
    """A config directory that is only a directory (no --store)."""
    d = tempfile.mkdtemp(prefix="realmgate-plain-")
    os.chmod(d, 0o755)
    return d


def store_node(url=None):
    """A node's own directory on the store url (a fresh prefix if None)."""
    d = new_config_dir()
    if url is not None:
        STORES[d] = url
    return d


def files_of(d):
    """{relative path: (bytes, mode, mtime)} of the configuration files."""
    out = {}
    for root, dirs, names in os.walk(d):
        rel_root = os.path.relpath(root, d)
        if rel_root.split(os.sep)[0] in ("local", "lock"):
            continue
        if rel_root == "priv" and "lock" in dirs:
            dirs.remove("lock")
        for n in names:
            p = os.path.join(root, n)
            st = os.stat(p)
            with open(p, "rb") as f:
                out[os.path.normpath(os.path.join(rel_root, n))] = (
                    f.read(), stat.S_IMODE(st.st_mode), int(st.st_mtime))
    return out


def etcd_keys(url_prefix_dir, kind):
    """The keys under <prefix>/<kind>/ of a node's store."""
    url = STORES[url_prefix_dir]
    endpoints, prefix = url[len("etcd://"):].split("/", 1)
    prefix = prefix.split("?")[0]
    out = subprocess.run(["etcdctl", "--endpoints", endpoints, "get",
                          "--prefix", "/%s/%s/" % (prefix, kind),
                          "--keys-only"], capture_output=True, text=True,
                         env=dict(os.environ, ETCDCTL_API="3"), check=True)
    return {k for k in out.stdout.split("\n") if k}


def make_keys(d):
    """The ticket keys and pve-www.key: `pveum ticket` signs one."""
    subprocess.run([BIN, "--config-dir", d, "ticket", "alice@pve"],
                   input="alice-secret-1\n", capture_output=True, text=True,
                   timeout=60, check=True)
    for rel in ("authkey.pub", "priv/authkey.key", "pve-www.key"):
        assert os.path.exists(os.path.join(d, rel)), rel


def generated(users):
    """A directory holding gen-usercfg's user.cfg of that many users,
    imported into a fresh store: (directory, node)."""
    src = plain_dir()
    subprocess.run(["python3", os.path.join(REPO, "bench", "gen-usercfg.py"),
                    "--users", str(users), "-o",
                    os.path.join(src, "user.cfg")],
                   check=True, capture_output=True)
    node = store_node()
    cli(node, "store", "import", src)
    return src, node


def wait_for(fn, timeout=5.0, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


# import and export --------------------------------------------------------
def test_import_then_export_gives_the_same_directory():
    src = plain_dir()
    seed(src)                                    # users, tokens, shadow
    cli(src, "realm", "add", "corp", "--type", "ldap", "--server1",
        "127.0.0.1", "--base_dn", "dc=example,dc=com", "--user_attr", "uid")
    os.makedirs(os.path.join(src, "priv", "realm"), mode=0o700,
                exist_ok=True)
    with open(os.path.join(src, "priv", "realm", "corp.pw"), "w") as f:
        f.write("bind-secret\n")
    os.chmod(os.path.join(src, "priv", "realm", "corp.pw"), 0o600)
    with open(os.path.join(src, "priv", "tfa.cfg"), "w") as f:
        f.write('{"users":{"bob@pve":{"totp":[]}}}\n')
    os.chmod(os.path.join(src, "priv", "tfa.cfg"), 0o600)
    with open(os.path.join(src, "jobs.cfg"), "w") as f:
        f.write("realm-sync: nightly\n\trealm corp\n\tschedule 02:00\n")
    make_keys(src)
    node = store_node()
    out = cli(node, "store", "import", src).stdout
    assert "imported" in out
    dst = plain_dir()
    cli(node, "store", "export", dst)
    want, got = files_of(src), files_of(dst)
    assert set(got) == set(want)
    for rel in want:
        assert got[rel] == want[rel], rel
    for d in (src, dst):
        shutil.rmtree(d, ignore_errors=True)


def test_proxmox_files_survive_the_round_trip_unchanged():
    src = plain_dir()
    shutil.copy(os.path.join(COMPAT, "user.cfg"), os.path.join(src,
                                                               "user.cfg"))
    node = store_node()
    cli(node, "store", "import", src)
    dst = plain_dir()
    cli(node, "store", "export", dst)
    with open(os.path.join(src, "user.cfg"), "rb") as a, \
            open(os.path.join(dst, "user.cfg"), "rb") as b:
        assert a.read() == b.read()
    # and the store serves it like the directory does
    assert (cli(node, "user", "list", "--output-format", "json").stdout ==
            cli(src, "user", "list", "--output-format", "json").stdout)
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(dst, ignore_errors=True)


def test_import_names_unread_lines_and_refuses_a_store_in_use():
    src = plain_dir()
    with open(os.path.join(src, "user.cfg"), "w") as f:
        f.write("user:root@pam:1:0::::::\nuser:bad user@pve:1:0::::::\n")
    node = store_node()
    p = cli(node, "store", "import", src)
    assert "warning: user.cfg line 2" in p.stderr, p.stderr
    # kept as they are; the next change refuses to drop them
    p = cli(node, "user", "add", "x@pve", check=False)
    assert p.returncode != 0 and "--force" in p.stderr, p.stderr
    with open(os.path.join(src, "user.cfg"), "w") as f:
        f.write("user:root@pam:1:0::::::\n")
    p = cli(node, "store", "import", src, check=False)
    assert p.returncode != 0 and "--replace" in p.stderr
    with open(os.path.join(src, "user.cfg"), "w") as f:
        f.write("user:root@pam:1:0::::::\nuser:new@pve:1:0::::::\n")
    cli(node, "store", "import", src, "--replace")
    assert "new@pve" in {u["userid"] for u in cli_json(node, "user", "list")}
    shutil.rmtree(src, ignore_errors=True)


def test_unreachable_store_is_a_clear_error():
    d = plain_dir()
    port = etcd_store.free_base_port(2)
    t0 = time.monotonic()
    p = subprocess.run([BIN, "--config-dir", d, "--store",
                        "etcd://127.0.0.1:%d" % port, "user", "list"],
                       capture_output=True, text=True, timeout=30)
    assert time.monotonic() - t0 < 10
    assert p.returncode != 0
    assert "etcd://127.0.0.1:%d" % port in p.stderr, p.stderr
    assert "unavailable" in p.stderr, p.stderr
    shutil.rmtree(d, ignore_errors=True)


def test_bad_store_urls_are_refused_before_any_connection():
    d = plain_dir()
    for url, why in (("http://127.0.0.1:2379", "etcd://"),
                     ("etcd://127.0.0.1", "endpoint"),
                     ("etcd://127.0.0.1:99999", "endpoint"),
                     ("etcd://127.0.0.1:2379/a b", "prefix"),
                     ("etcd://127.0.0.1:2379?password=x", "unknown option"),
                     ("etcd://127.0.0.1:2379?cacert=/x", "etcds://")):
        p = subprocess.run([BIN, "--config-dir", d, "--store", url, "user",
                            "list"], capture_output=True, text=True,
                           timeout=10)
        assert p.returncode != 0 and why in p.stderr, (url, p.stderr)
    shutil.rmtree(d, ignore_errors=True)


def test_a_write_costs_what_it_changes():
    src, node = generated(3000)
    before = etcd_keys(node, "c")
    assert len(before) > 20, len(before)     # chunked, not one key
    users = cli_json(node, "user", "list")
    uid = users[len(users) // 2]["userid"]
    # the first write puts the generated file into realmgate's own form
    cli(node, "user", "modify", uid, "--comment", "first", "--force")
    before = etcd_keys(node, "c")
    cli(node, "user", "modify", uid, "--comment", "changed")
    after = etcd_keys(node, "c")
    # one chunk replaced (two if the change moved a cut point)
    assert 1 <= len(after - before) <= 2, (len(after - before))
    assert len(before - after) == len(after - before)
    dst = plain_dir()
    cli(node, "store", "export", dst)
    with open(os.path.join(dst, "user.cfg")) as f:
        assert ":changed:" in f.read()
    for d in (src, dst):
        shutil.rmtree(d, ignore_errors=True)


# several nodes ----------------------------------------------------------------
@pytest.fixture
def two_nodes():
    a = store_node()
    info = seed(a)
    b = store_node(STORES[a])
    na = start_server(a, info["tokens"])
    nb = start_server(b, info["tokens"])
    yield na, nb
    for n in (na, nb):
        stop_server(n)
        shutil.rmtree(n.config_dir, ignore_errors=True)


def test_nodes_share_users_tickets_and_tokens(two_nodes):
    a, b = two_nodes
    alice_a = a.session("alice@pve")
    # a ticket from one node is good on the other (same ticket keys)
    ticket, csrf = a.login("alice@pve")
    r = b.raw("GET", "/access/permissions",
              cookies={"PVEAuthCookie": ticket})
    assert r.status_code == 200
    # a change on one node is served by the other within a second
    t0 = time.monotonic()
    ok(alice_a.post("/access/users", {"userid": "xnode@pve",
                                      "comment": "from a"}))
    alice_b = b.session("alice@pve")
    seen = wait_for(lambda: alice_b.get("/access/users/xnode@pve")
                    .status_code == 200, timeout=3)
    assert seen and time.monotonic() - t0 < 1.5
    # tokens: made by the CLI, used on both, removed on one, refused on both
    out = cli_json(a.config_dir, "user", "token", "add", "alice@pve",
                   "xnode", "--privsep", "0")
    secret = out["value"]
    for n in (a, b):
        s = n.token_session("alice@pve!xnode", secret)
        assert s.get("/access/users").status_code == 200
    ok(alice_b.delete("/access/users/alice@pve/token/xnode"))
    gone = wait_for(lambda: a.token_session("alice@pve!xnode", secret)
                    .get("/access/users").status_code == 401, timeout=3)
    assert gone


def test_lockout_counts_on_every_node(two_nodes):
    a, b = two_nodes
    cli(a.config_dir, "lockout", "options", "set", "--user-failures", "3",
        "--trusted", "127.0.0.9/32")
    for n in (a, b, a):
        r = n.ticket_request("carol@pve", "wrong-password")
        assert r.status_code == 401
    # the fourth try, right password, on the other node: locked
    r = b.ticket_request("carol@pve", "carol-secret-1")
    assert r.status_code == 401
    listed = cli_json(b.config_dir, "lockout", "list")
    assert any(e["kind"] == "user" and e["id"] == "carol@pve"
               for e in listed), listed
    cli(b.config_dir, "lockout", "unlock", "user", "carol@pve")
    assert a.ticket_request("carol@pve", "carol-secret-1").status_code == 200


def test_openid_login_begun_on_one_node_ends_on_another(two_nodes,
                                                        oidc_provider):
    a, b = two_nodes
    redirect = "https://127.0.0.1:%d/" % a.port
    oidc_provider.allow_redirect(redirect)
    oidc_provider.mode("normal")
    cli(a.config_dir, "realm", "add", "sso", "--type", "openid",
        "--issuer-url", oidc_provider.issuer, "--client-id",
        oidc_provider.client_id, "--client-key", oidc_provider.client_secret,
        "--username-claim", "username", "--autocreate", "1")
    r = a.raw("POST", "/access/openid/auth-url",
              data={"realm": "sso", "redirect-url": redirect})
    assert r.status_code == 200, r.text
    answer = oidc_provider.login(r.json()["data"], "alice", "alicepw")
    r = b.raw("POST", "/access/openid/login",
              data={"state": answer["state"], "code": answer["code"],
                    "redirect-url": redirect})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["username"] == "alice@sso"
    # single use, on every node
    r = a.raw("POST", "/access/openid/login",
              data={"state": answer["state"], "code": answer["code"],
                    "redirect-url": redirect})
    assert r.status_code != 200


def test_a_scheduled_job_runs_on_one_node_only():
    src = plain_dir()
    port = etcd_store.free_base_port(2)      # nobody listens there
    cli(src, "realm", "add", "corp", "--type", "ldap", "--server1",
        "127.0.0.1", "--port", str(port), "--mode", "ldap",
        "--base_dn", "dc=example,dc=com", "--user_attr", "uid")
    with open(os.path.join(src, "jobs.cfg"), "w") as f:
        f.write("realm-sync: every-sec\n\trealm corp\n"
                "\tschedule *:*:0/1\n\tscope users\n")
    a = store_node()
    cli(a, "store", "import", src)
    b = store_node(STORES[a])
    nodes = [start_server(a), start_server(b)]
    try:
        time.sleep(6)
    finally:
        for n in nodes:
            stop_server(n)
    tasks = []
    for n in nodes:
        tdir = os.path.join(n.config_dir, "local", "tasks")
        if os.path.isdir(tdir):
            tasks += [t for t in os.listdir(tdir)
                      if "auth-realm-sync" in t]
    # every second, but once a minute and on one node: 1 run, 2 if a
    # minute turned during the test
    assert 1 <= len(tasks) <= 2, tasks
    for d in (src, a, b):
        shutil.rmtree(d, ignore_errors=True)


def test_sweep_removes_only_chunks_no_file_uses():
    src, node = generated(1000)
    used = etcd_keys(node, "c")
    # what a writer killed between its upload and its commit leaves
    url = STORES[node]
    endpoints, prefix = url[len("etcd://"):].split("/", 1)
    orphan = "/%s/c/%s" % (prefix, "ab" * 12)
    subprocess.run(["etcdctl", "--endpoints", endpoints, "put", orphan,
                    "left over"], check=True, capture_output=True,
                   env=dict(os.environ, ETCDCTL_API="3"))
    assert orphan in etcd_keys(node, "c")
    out = cli(node, "store", "sweep").stdout
    assert "removed 1 unused chunk(s)" in out, out
    assert etcd_keys(node, "c") == used
    # and the configuration is whole
    dst = plain_dir()
    cli(node, "store", "export", dst)
    with open(os.path.join(src, "user.cfg"), "rb") as a, \
            open(os.path.join(dst, "user.cfg"), "rb") as b:
        assert a.read() == b.read()
    # a commit after a sweep still works (the epoch moved)
    cli(node, "user", "add", "after-sweep@pve", "--force")
    for d in (src, dst):
        shutil.rmtree(d, ignore_errors=True)


def test_tls_and_etcd_users(tmp_path):
    """etcds:// verifies the server against cacert; user= and
    password-file= log in; wrong ones are clear errors, and no password
    shows in them."""
    tls = tmp_path / "ca"
    subprocess.run(["sh", os.path.join(REPO, "tests", "peers", "mkca.sh"),
                    str(tls)], check=True, capture_output=True)
    c = etcd_store.Cluster(1, tls_dir=str(tls))
    try:
        ctl = ["etcdctl", "--endpoints", "https://" + c.endpoints,
               "--cacert", str(tls / "ca.crt")]
        env = dict(os.environ, ETCDCTL_API="3")
        for args in (["user", "add", "root:root-pw-1"],
                     ["user", "add", "rg:rg-pw-1"],
                     ["role", "add", "rgrole"],
                     ["role", "grant-permission", "rgrole", "--prefix=true",
                      "readwrite", "/site/"],
                     ["user", "grant-role", "rg", "rgrole"],
                     ["auth", "enable"]):
            subprocess.run(ctl + args, check=True, capture_output=True,
                           env=env)
        pw = tmp_path / "pw"
        pw.write_text("rg-pw-1\n")
        os.chmod(pw, 0o600)
        bad = tmp_path / "bad"
        bad.write_text("not-it-1\n")
        os.chmod(bad, 0o600)
        node = plain_dir()
        good = c.url("site", cacert=str(tls / "ca.crt"), user="rg")
        STORES[node] = good + "&password-file=%s" % pw
        cli(node, "user", "add", "tls@pve")
        assert "tls@pve" in {u["userid"] for u in
                             cli_json(node, "user", "list")}
        # wrong password, no CA (the system's do not know ours)
        for url, why in ((good + "&password-file=%s" % bad,
                          "authentication"),
                         (c.url("site", user="rg") + "&password-file=%s" %
                          pw, "store etcds://")):
            STORES[node] = url
            p = cli(node, "user", "list", check=False)
            assert p.returncode != 0 and why in p.stderr, p.stderr
            assert "rg-pw-1" not in p.stderr and "not-it-1" not in p.stderr
        shutil.rmtree(node, ignore_errors=True)
    finally:
        c.stop()


def test_realm_sync_and_ldap_login_on_the_store(slapd):
    """A realm (bind password in priv/realm) kept in etcd: `realm sync`
    writes the users and groups there, another node logs them in."""
    from test_ldap import add_realm
    a = store_node()
    add_realm(a, slapd)
    p = cli(a, "realm", "sync", "corp", "--scope", "both", timeout=240)
    assert p.stdout.endswith("successfully updated users and groups "
                             "configuration\n"), p.stdout
    b = store_node(STORES[a])
    ids = {u["userid"] for u in cli_json(b, "user", "list")}
    assert {"user%d@corp" % i for i in range(1, 51)} <= ids
    groups = {g["groupid"]: g for g in cli_json(b, "group", "list")}
    assert set(groups["group1-corp"]["users"].split(",")) == \
        {"user%d@corp" % i for i in range(1, 11)}
    cli(b, "acl", "modify", "/", "--groups", "group1-corp", "--roles",
        "PVEAuditor")
    node = start_server(b)
    try:
        r = node.ticket_request("user3@corp", slapd.user_password)
        assert r.status_code == 200, r.text
        r = node.raw("GET", "/access/permissions", cookies={
            "PVEAuthCookie": r.json()["data"]["ticket"]})
        assert "Sys.Audit" in r.json()["data"]["/"]
    finally:
        stop_server(node)
    # check-config and permissions --batch read the store too
    assert "configuration OK" in cli(a, "check-config").stdout
    batch = os.path.join(a, "batch")
    with open(batch, "w") as f:
        f.write("user3@corp /\n")
    assert "Sys.Audit" in cli(a, "permissions", "--batch", batch).stdout
    for d in (a, b):
        shutil.rmtree(d, ignore_errors=True)


def test_ticket_keys_rotate_once_for_all_nodes():
    """Keys older than a day rotate when a node starts or signs; with two
    nodes starting at once on old keys, exactly one rotates (authkey.pub.old
    is the key before, not an intermediate one), and tickets of each node
    pass on the other."""
    src = plain_dir()
    info = seed(src)
    make_keys(src)
    old = time.time() - 25 * 3600
    for rel in ("authkey.pub", "priv/authkey.key"):
        os.utime(os.path.join(src, rel), (old, old))
    with open(os.path.join(src, "authkey.pub"), "rb") as f:
        before = f.read()
    a = store_node()
    cli(a, "store", "import", src)
    b = store_node(STORES[a])
    import threading
    nodes = [None, None]

    def start(i, d):
        nodes[i] = start_server(d, info["tokens"])
    threads = [threading.Thread(target=start, args=(i, d))
               for i, d in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        ta, _ = nodes[0].login("alice@pve")
        tb, _ = nodes[1].login("alice@pve")
        for n, t in ((nodes[0], tb), (nodes[1], ta)):
            r = n.raw("GET", "/access/permissions",
                      cookies={"PVEAuthCookie": t})
            assert r.status_code == 200
    finally:
        for n in nodes:
            if n is not None:
                stop_server(n)
    dst = plain_dir()
    cli(a, "store", "export", dst)
    with open(os.path.join(dst, "authkey.pub.old"), "rb") as f:
        assert f.read() == before
    with open(os.path.join(dst, "authkey.pub"), "rb") as f:
        assert f.read() != before
    assert os.stat(os.path.join(dst, "authkey.pub")).st_mtime > old + 3600
    for d in (src, dst, a, b):
        shutil.rmtree(d, ignore_errors=True)
