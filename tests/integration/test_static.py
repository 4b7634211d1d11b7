"""Static files from --www, routing, TLS and the daemon lifecycle."""
import os
import socket
import ssl
import tempfile

from conftest import PASSWORDS, error, ok


def make_www():
    d = tempfile.mkdtemp(prefix="realmgate-www-")
    os.chmod(d, 0o755)
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write("<!doctype html><title>rg-test</title><p>hello realmgate</p>\n")
    os.makedirs(os.path.join(d, "js"))
    os.chmod(os.path.join(d, "js"), 0o755)
    with open(os.path.join(d, "js", "app.js"), "w") as f:
        f.write("console.log('rg');\n")
    for root, _, files in os.walk(d):
        for n in files:
            os.chmod(os.path.join(root, n), 0o644)
    return d


def raw_get(api, target):
    """GET with the request target sent verbatim (no client normalisation)."""
    ctx = ssl.create_default_context(cafile=api.cert)
    with socket.create_connection(("127.0.0.1", api.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            t.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                       % target).encode())
            data = b""
            while True:
                c = t.recv(65536)
                if not c:
                    break
                data += c
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


def test_static_files(server_factory):
    www = make_www()
    api = server_factory(["--www", www])
    r = api.static("/")
    assert r.status_code == 200 and "hello realmgate" in r.text
    assert r.headers["Content-Type"].startswith("text/html")
    r = api.static("/index.html")
    assert r.status_code == 200 and "hello realmgate" in r.text
    r = api.static("/js/app.js")
    assert r.status_code == 200 and "console.log" in r.text
    assert "javascript" in r.headers["Content-Type"]
    assert api.static("/nope.html").status_code == 404
    for target in ("/../../../../etc/passwd", "/js/../../../../etc/passwd",
                   "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/js/%2e%2e/%2e%2e/etc/hostname"):
        status, body = raw_get(api, target)
        assert b"root:" not in body, target
        assert status in (400, 403, 404), (target, status)
    # the API still answers next to the files
    ok(api.raw("GET", "/access/domains"))


def test_tls_verifies_against_generated_certificate(server):
    pem = open(server.cert).read()
    assert "BEGIN CERTIFICATE" in pem
    # the key is beside it and not world-readable
    key = os.path.join(server.config_dir, "local", "realmgate-ssl.key")
    assert os.path.exists(key)
    assert os.stat(key).st_mode & 0o077 == 0 or os.stat(key).st_mode & 0o007 == 0
    ctx = ssl.create_default_context(cafile=server.cert)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            assert t.version() in ("TLSv1.2", "TLSv1.3")
    # and the name localhost is in the certificate too
    ctx = ssl.create_default_context(cafile=server.cert)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost"):
            pass


def test_plain_http_on_tls_port_is_not_served(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /api2/json/access/domains HTTP/1.0\r\n\r\n")
        try:
            data = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            data = b""
    assert b'"realm"' not in data


def test_unknown_api_path(server, admin):
    r = admin.get("/no/such/endpoint")
    assert r.status_code in (404, 501), r.text
    assert r.json()["data"] is None
    r = admin.request("PATCH", "/access/users")
    assert r.status_code in (404, 405, 501), r.text


def test_restart_keeps_certificate_and_tickets(server_factory):
    """A second daemon on the same directory reuses the certificate and
    accepts tickets of the first (same key files)."""
    from conftest import start_server, stop_server
    api = server_factory()
    cert = open(api.cert).read()
    t, c = api.login("alice@pve")
    api2 = start_server(api.config_dir, api.tokens)
    try:
        assert open(api2.cert).read() == cert
        ok(api2.raw("GET", "/access/users", cookies={"PVEAuthCookie": t}))
    finally:
        stop_server(api2)


def test_server_survives_garbage(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(os.urandom(4096))
    ctx = ssl.create_default_context(cafile=server.cert)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            t.sendall(b"GARBAGE / HTTP/9.9\r\n\r\n")
            t.recv(4096)
    ok(server.raw("GET", "/access/domains"))
    r = server.raw("POST", "/access/ticket", data=b"\xff\xfe" * 100,
                   headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 401), r.text
    ok(server.raw("GET", "/access/domains"))
