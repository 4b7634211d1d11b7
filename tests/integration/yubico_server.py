"""A Yubico OTP validation server (protocol 2.0) on 127.0.0.1 for the
tests: it checks the request's signature, answers status OK once per OTP
it was told about (REPLAYED_OTP after that, BAD_OTP for others) and signs
its answer with the API key.  Modes make it misbehave as a hostile or
broken server would: a wrong signature, an answer for another nonce or
OTP, a 500."""
import base64
import hashlib
import hmac
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_ID = "4711"
API_KEY = base64.b64encode(b"realmgate-yubico-test-key-0123").decode()


def sign(key_b64, pairs):
    data = "&".join("%s=%s" % (k, pairs[k]) for k in sorted(pairs))
    mac = hmac.new(base64.b64decode(key_b64), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class YubicoServer:
    def __init__(self):
        self.valid = set()
        self.used = set()
        self.mode = "normal"
        self.requests = []
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                srv.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/wsapi/2.0/verify" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def otp(self, public_id, n):
        """A fresh OTP of the key public_id (modhex, 44 characters)."""
        tail = ("%032d" % n).translate(str.maketrans("0123456789",
                                                     "cbdefghijk"))
        o = public_id + tail
        self.valid.add(o)
        return o

    def handle(self, req):
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(req.path).query))
        self.requests.append(q)
        if self.mode == "error":
            req.send_response(500)
            req.end_headers()
            return
        h = q.pop("h", "")
        otp, nonce = q.get("otp", ""), q.get("nonce", "")
        if not hmac.compare_digest(h, sign(API_KEY, q)):
            status = "BAD_SIGNATURE"
        elif otp in self.used:
            status = "REPLAYED_OTP"
        elif otp in self.valid:
            status = "OK"
            self.used.add(otp)
        else:
            status = "BAD_OTP"
        if self.mode == "other-nonce":
            nonce = "0" * 32
        if self.mode == "other-otp":
            otp = otp[:12] + "c" * (len(otp) - 12)
        pairs = {"t": "2026-12-07T23:00:00Z0000", "otp": otp,
                 "nonce": nonce, "sl": "100", "status": status}
        key = API_KEY if self.mode != "bad-signature" else \
            base64.b64encode(b"some other key").decode()
        pairs["h"] = sign(key, pairs)
        body = "".join("%s=%s\r\n" % (k, v) for k, v in pairs.items())
        req.send_response(200)
        req.send_header("Content-Type", "text/plain")
        req.end_headers()
        req.wfile.write(body.encode())
