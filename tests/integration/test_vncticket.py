"""POST /access/vncticket: tickets minted independently with the openssl
command line (RSA-SHA1, PKCS#1 v1.5, as Proxmox's VNC proxies sign them)
over "PVEVNC:<hex time>:<authid>:<path>[:<port>]", checked by the server
against the current key, the 40 s window, the binding and the privileges."""
import base64
import os
import subprocess
import time
import urllib.parse

from conftest import error, ok


def mint(config_dir, authid, path, port=None, ts=None):
    ts = "%08X" % int(ts if ts is not None else time.time())
    plain = "PVEVNC:" + ts
    signed = plain + ":" + authid + ":" + path + \
        (":%d" % port if port is not None else "")
    key = os.path.join(config_dir, "priv", "authkey.key")
    sig = subprocess.run(["openssl", "dgst", "-sha1", "-sign", key],
                         input=signed.encode(), capture_output=True,
                         check=True).stdout
    return plain + "::" + base64.b64encode(sig).decode()


def check(server, **data):
    return server.anon().post("/access/vncticket", data=data)


def test_valid_ticket(server):
    t = mint(server.config_dir, "alice@pve", "/vms/100", 5900)
    assert ok(check(server, authid="alice@pve", vncticket=t, path="/vms/100",
                    privs="VM.Console", port="5900")) is None
    # with the 8-character password prefix the proxies put in front
    assert ok(check(server, authid="alice@pve", vncticket="abcdefgh:" + t,
                    path="/vms/100", privs="VM.Console", port="5900")) is None


def test_refusals(server):
    t = mint(server.config_dir, "alice@pve", "/vms/100", 5900)
    # bound to authid, path and port
    error(check(server, authid="bob@pve", vncticket=t, path="/vms/100",
                privs="VM.Console", port="5900"), 401)
    error(check(server, authid="alice@pve", vncticket=t, path="/vms/101",
                privs="VM.Console", port="5900"), 401)
    error(check(server, authid="alice@pve", vncticket=t, path="/vms/100",
                privs="VM.Console", port="5901"), 401)
    # too old (40 s window)
    old = mint(server.config_dir, "alice@pve", "/vms/100", 5900,
               ts=time.time() - 60)
    error(check(server, authid="alice@pve", vncticket=old, path="/vms/100",
                privs="VM.Console", port="5900"), 401)
    # tampered signature
    bad = t[:-6] + ("AAAA==" if not t.endswith("AAAA==") else "BBBB==")
    error(check(server, authid="alice@pve", vncticket=bad, path="/vms/100",
                privs="VM.Console", port="5900"), 401)


def test_privileges_are_required(server):
    # bob may not use the console of an arbitrary VM
    t = mint(server.config_dir, "bob@pve", "/vms/4711")
    error(check(server, authid="bob@pve", vncticket=t, path="/vms/4711",
                privs="VM.Console"), 401)
