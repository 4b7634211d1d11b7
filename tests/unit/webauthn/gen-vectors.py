#!/usr/bin/env python3
"""A software authenticator that writes WebAuthn test vectors.

It plays browser and authenticator for ES256, RS256 and Ed25519 keys:
registration responses (attestation "none", "packed" self and x5c,
"fido-u2f") and assertion responses, plus correctly signed responses that
each break exactly one rule (origin, challenge, RP id, user presence,
type, ...), so that only the check under test can refuse them.  It also
writes each credential in the two forms Proxmox stores it in tfa.cfg:
webauthn-rs 0.3 (Proxmox VE 8: byte arrays) and 0.5 (Proxmox VE 9:
base64url strings, backup flags).

Output: vectors.json beside this script (checked in; test-webauthn.c reads
it).  Re-run after changing it: python3 gen-vectors.py
Needs the `cryptography` package only (CBOR is encoded here).
"""

import base64
import datetime
import hashlib
import json
import os
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

RP_ID = "pve.example.com"
ORIGIN = "https://pve.example.com:8006"
CHALLENGE = bytes(range(32))
AAGUID = bytes.fromhex("f8a011f38c0a4d15800617111f9edc7d")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cbor(v):
    """Canonical-enough CBOR for ints, bytes, text, lists and dicts."""

    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for add, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
            if n < 1 << (8 * struct.calcsize(fmt)):
                return bytes([major << 5 | add]) + struct.pack(fmt, n)
        raise ValueError(n)

    if isinstance(v, bool):
        return bytes([0xF5 if v else 0xF4])
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return head(3, len(b)) + b
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)


class Key:
    def __init__(self, kind):
        self.kind = kind
        if kind == "es256":
            self.priv = ec.generate_private_key(ec.SECP256R1())
            nums = self.priv.public_key().public_numbers()
            self.x = nums.x.to_bytes(32, "big")
            self.y = nums.y.to_bytes(32, "big")
            self.cose = {1: 2, 3: -7, -1: 1, -2: self.x, -3: self.y}
        elif kind == "rs256":
            self.priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            nums = self.priv.public_key().public_numbers()
            self.n = nums.n.to_bytes(256, "big")
            self.e = nums.e.to_bytes(3, "big")
            self.cose = {1: 3, 3: -257, -1: self.n, -2: self.e}
        else:
            self.priv = ed25519.Ed25519PrivateKey.generate()
            self.x = self.priv.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            self.cose = {1: 1, 3: -8, -1: 6, -2: self.x}
        self.cred_id = os.urandom(16 if kind == "ed25519" else 32)

    def sign(self, data):
        if self.kind == "es256":
            return self.priv.sign(data, ec.ECDSA(hashes.SHA256()))
        if self.kind == "rs256":
            return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.priv.sign(data)

    def stored(self, v5, counter):
        """The credential as proxmox-tfa writes it into tfa.cfg."""
        enc = b64u if v5 else list
        if self.kind == "es256":
            key = {"EC_EC2": {"curve": "SECP256R1", "x": enc(self.x), "y": enc(self.y)}}
            alg = "ES256"
        elif self.kind == "rs256":
            key = {"RSA": {"n": enc(self.n), "e": list(self.e)}}
            alg = "RS256"
        else:
            key = {"EC_OKP": {"curve": "ED25519", "x": enc(self.x)}}
            alg = "EDDSA"
        cred = {"cred_id": enc(self.cred_id), "cred": {"type_": alg, "key": key},
                "counter": counter}
        if v5:
            cred.update(backup_eligible=False, backup_state=False)
        return cred


def client_data(typ, challenge=CHALLENGE, origin=ORIGIN, **extra):
    d = {"type": typ, "challenge": b64u(challenge), "origin": origin,
         "crossOrigin": False}
    d.update(extra)
    return json.dumps(d, separators=(",", ":")).encode()


def auth_data(flags, counter, acd=b"", rp_id=RP_ID):
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + \
        struct.pack(">I", counter) + acd


def attestation_cert(key_priv, aaguid):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test attestation")])
    now = datetime.datetime(2026, 1, 1)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
         .public_key(key_priv.public_key()).serial_number(1)
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650)))
    if aaguid is not None:
        b = b.add_extension(x509.UnrecognizedExtension(
            x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4"),
            b"\x04\x10" + aaguid), critical=False)
    return b.sign(key_priv, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


UP, UV, AT, ED = 0x01, 0x04, 0x40, 0x80


def register(key, fmt="none", flags=UP | AT, origin=ORIGIN, challenge=CHALLENGE,
             rp_id=RP_ID, typ="webauthn.create", cd_extra=None, att_aaguid=AAGUID,
             bad_sig=False):
    cd = client_data(typ, challenge, origin, **(cd_extra or {}))
    aaguid = bytes(16) if fmt == "fido-u2f" else AAGUID
    acd = aaguid + struct.pack(">H", len(key.cred_id)) + key.cred_id + cbor(key.cose)
    ad = auth_data(flags, 1, acd if flags & AT else b"", rp_id)
    cdh = hashlib.sha256(cd).digest()
    if fmt == "none":
        stmt = {}
    elif fmt == "packed-self":
        fmt = "packed"
        stmt = {"alg": key.cose[3], "sig": key.sign(ad + cdh)}
    elif fmt == "packed-x5c":
        fmt = "packed"
        att = ec.generate_private_key(ec.SECP256R1())
        stmt = {"alg": -7, "sig": att.sign(ad + cdh, ec.ECDSA(hashes.SHA256())),
                "x5c": [attestation_cert(att, att_aaguid)]}
    elif fmt == "fido-u2f":
        att = ec.generate_private_key(ec.SECP256R1())
        data = b"\0" + ad[:32] + cdh + key.cred_id + b"\x04" + key.x + key.y
        stmt = {"sig": att.sign(data, ec.ECDSA(hashes.SHA256())),
                "x5c": [attestation_cert(att, None)]}
    else:
        stmt = {}
    if bad_sig:
        stmt["sig"] = bytes([stmt["sig"][0] ^ 1]) + stmt["sig"][1:-1] + \
            bytes([stmt["sig"][-1] ^ 1])
    ao = cbor({"fmt": fmt, "attStmt": stmt, "authData": ad})
    return {"id": b64u(key.cred_id), "rawId": b64u(key.cred_id), "type": "public-key",
            "response": {"attestationObject": b64u(ao), "clientDataJSON": b64u(cd)}}


def assertion(key, counter=5, flags=UP, origin=ORIGIN, challenge=CHALLENGE,
              rp_id=RP_ID, typ="webauthn.get", cd_extra=None, bad_sig=False,
              cred_id=None):
    cd = client_data(typ, challenge, origin, **(cd_extra or {}))
    ad = auth_data(flags, counter, b"", rp_id)
    sig = key.sign(ad + hashlib.sha256(cd).digest())
    if bad_sig:
        sig = sig[:-1] + bytes([sig[-1] ^ 1])
    cid = cred_id if cred_id is not None else key.cred_id
    return {"id": b64u(cid), "rawId": b64u(cid), "type": "public-key",
            "response": {"authenticatorData": b64u(ad), "clientDataJSON": b64u(cd),
                         "signature": b64u(sig), "userHandle": None},
            "extensions": {}, "challenge": b64u(challenge)}


def main():
    other = bytes(reversed(CHALLENGE))
    out = {"rp_id": RP_ID, "origin": ORIGIN, "challenge": b64u(CHALLENGE), "keys": {}}
    for kind in ("es256", "rs256", "ed25519"):
        k = Key(kind)
        v = {
            "stored_v3": k.stored(False, 1),
            "stored_v5": k.stored(True, 1),
            "register": {"none": register(k)},
            "assert": {
                "ok": assertion(k),
                "zero": assertion(k, counter=0),
                "uv": assertion(k, flags=UP | UV),
                "wrong-origin": assertion(k, origin="https://evil.example.net:8006"),
                "wrong-port": assertion(k, origin="https://pve.example.com"),
                "subdomain": assertion(k, origin="https://a.pve.example.com:8006"),
                "wrong-challenge": assertion(k, challenge=other),
                "wrong-rpid": assertion(k, rp_id="evil.example.net"),
                "no-up": assertion(k, flags=UV),
                "wrong-type": assertion(k, typ="webauthn.create"),
                "bad-sig": assertion(k, bad_sig=True),
                "cross-origin": assertion(k, cd_extra={"crossOrigin": True}),
                "token-binding": assertion(
                    k, cd_extra={"tokenBinding": {"status": "present", "id": "x"}}),
                "unknown-cred": assertion(k, cred_id=os.urandom(32)),
            },
        }
        if kind != "ed25519":
            v["register"]["packed-self"] = register(k, "packed-self")
        out["keys"][kind] = v
    k = out["keys"]["es256"]
    es = Key("es256")
    k["reg_key"] = es.stored(False, 1)
    k["register"].update({
        "packed-x5c": register(es, "packed-x5c"),
        "packed-x5c-aaguid": register(es, "packed-x5c", att_aaguid=bytes(16)),
        "packed-bad-sig": register(es, "packed-self", bad_sig=True),
        "fido-u2f": register(es, "fido-u2f"),
        "fido-u2f-bad-sig": register(es, "fido-u2f", bad_sig=True),
        "tpm": register(es, "tpm"),
        "unknown-fmt": register(es, "android-safetynet"),
        "wrong-origin": register(es, origin="https://evil.example.net:8006"),
        "wrong-challenge": register(es, challenge=other),
        "wrong-rpid": register(es, rp_id="evil.example.net"),
        "no-up": register(es, flags=AT),
        "no-at": register(es, flags=UP),
        "wrong-type": register(es, typ="webauthn.get"),
        "cross-origin": register(es, cd_extra={"crossOrigin": True}),
        "token-binding": register(
            es, cd_extra={"tokenBinding": {"status": "present", "id": "x"}}),
    })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
