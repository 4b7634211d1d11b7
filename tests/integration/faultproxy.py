"""
A fault-injecting TCP proxy for the hostile-peer tests: it sits on
127.0.0.1 in front of a REAL server (slapd, the oidc-provider) and damages
what the server answers, at byte offsets of the answer stream of each
connection, so a fault lands at the same protocol step on every run
instead of depending on timing.

Why a proxy and not a fake server: the answers stay those of the real
server (real BER, real paging, real HTTP), only the damage is ours.

  p = FaultProxy(upstream_port)          forwards everything
  p.set(delay=0.5, chunk=64)             each 64-byte piece after 0.5 s
  p.set(on_accept="hang")                accepts, never answers
  p.set(on_accept="close")               accepts, closes at once
  p.set(after=14, action="hang")         first 14 answer bytes, then silence
  p.set(after=40, action="drop")         first 40 bytes, then both ends closed
  p.set(edit=xor_at(20, 0xff))           answer bytes rewritten (BER damage)
  p.set(edit=ber_message_edit(5, f))     the 6th LDAP message replaced by f(it)
  p.set(after=14, action="kill", kill=peer.kill)   the server dies there
  p.fired.wait(5)                        the fault has struck
  p.close()

The fault applies to every connection accepted after set().  Counters:
connections, fired (an Event), answered (answer bytes forwarded in all).
"""
import socket
import threading
import time


def xor_at(offset, mask, length=1):
    """An edit that XORs `length` answer bytes from offset on with mask."""
    def edit(pos, data):
        out = bytearray(data)
        for i in range(max(offset, pos), min(offset + length, pos + len(data))):
            out[i - pos] ^= mask
        return bytes(out)
    return edit


def set_at(offset, new):
    """An edit that overwrites the answer bytes from offset on with new."""
    def edit(pos, data):
        out = bytearray(data)
        for i in range(max(offset, pos), min(offset + len(new), pos + len(data))):
            out[i - pos] = new[i - offset]
        return bytes(out)
    return edit


def ber_message_edit(index, damage):
    """An edit that follows LDAP's framing (each message a BER SEQUENCE:
    0x30, length, content) through the answer stream and replaces message
    number index (0 = the first answer) by damage(message bytes).  Bytes
    are held back until a whole message is there."""
    state = {"buf": b"", "n": 0}

    def header(b):
        """(header length, content length) or None if b is too short."""
        if len(b) < 2:
            return None
        first = b[1]
        if first < 0x80:
            return 2, first
        k = first & 0x7f
        if len(b) < 2 + k:
            return None
        return 2 + k, int.from_bytes(b[2:2 + k], "big")

    def edit(pos, data):
        state["buf"] += data
        out = b""
        while True:
            h = header(state["buf"])
            if h is None or len(state["buf"]) < h[0] + h[1]:
                break
            msg = state["buf"][:h[0] + h[1]]
            state["buf"] = state["buf"][h[0] + h[1]:]
            out += damage(msg) if state["n"] == index else msg
            state["n"] += 1
        return out
    return edit


class Fault:
    def __init__(self, on_accept="pass", after=None, action=None, delay=0.0,
                 chunk=None, edit=None, kill=None):
        assert on_accept in ("pass", "hang", "close")
        assert action in (None, "hang", "drop", "kill")
        assert (after is None) == (action is None)
        self.on_accept, self.after, self.action = on_accept, after, action
        self.delay, self.chunk, self.edit, self.kill = delay, chunk, edit, kill


class FaultProxy:
    def __init__(self, upstream_port, upstream_host="127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.fault = Fault()
        self.fired = threading.Event()
        self.closed = threading.Event()
        self.connections = 0
        self.answered = 0
        self._lock = threading.Lock()
        self._socks = []
        threading.Thread(target=self._serve, daemon=True).start()

    def set(self, **kw):
        """Replace the fault (for connections accepted from now on)."""
        self.fault = Fault(**kw)
        self.fired.clear()
        return self

    def _track(self, s):
        with self._lock:
            self._socks.append(s)

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self._track(c)
            f = self.fault
            with self._lock:
                self.connections += 1
            if f.on_accept == "hang":
                self.fired.set()
                continue            # kept open, never read, never answered
            if f.on_accept == "close":
                self.fired.set()
                self._drop(c)
                continue
            try:
                s = socket.create_connection(self.upstream, timeout=5)
                s.settimeout(None)
            except OSError:
                self._drop(c)
                continue
            self._track(s)
            threading.Thread(target=self._requests, args=(c, s),
                             daemon=True).start()
            threading.Thread(target=self._answers, args=(s, c, f),
                             daemon=True).start()

    def _requests(self, src, dst):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._drop(src, dst)
                return
            try:
                dst.sendall(data)
            except OSError:
                self._drop(src, dst)
                return

    def _answers(self, src, dst, f):
        pos = 0
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._drop(src, dst)
                return
            step = f.chunk or len(data)
            for i in range(0, len(data), step):
                piece = data[i:i + step]
                if f.delay:
                    if self.closed.wait(f.delay):
                        return
                if f.edit is not None:
                    piece = f.edit(pos, piece)
                if f.action is not None and pos + len(piece) > f.after:
                    keep = piece[:max(0, f.after - pos)]
                    try:
                        dst.sendall(keep)
                    except OSError:
                        pass
                    self.answered += len(keep)
                    self.fired.set()
                    if f.action == "kill":
                        f.kill()
                    if f.action == "hang":
                        # silence, the connection stays open
                        self.closed.wait()
                    self._drop(src, dst)
                    return
                try:
                    dst.sendall(piece)
                except OSError:
                    self._drop(src, dst)
                    return
                pos += len(piece)
                self.answered += len(piece)

    @staticmethod
    def _drop(*socks):
        # shutdown first: a close() alone does not wake a thread blocked
        # reading the same socket
        for x in socks:
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            x.close()

    def close(self):
        self.closed.set()
        try:
            self.sock.close()
        except OSError:
            pass
        with self._lock:
            socks, self._socks = self._socks, []
        self._drop(*socks)


class Timer:
    """with Timer() as t: ... ; t.took (seconds)."""

    def __enter__(self):
        self.t0 = time.monotonic()
        self.took = None
        return self

    def __exit__(self, *exc):
        self.took = time.monotonic() - self.t0
        return False
