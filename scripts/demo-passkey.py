#!/usr/bin/env python3
"""A software passkey for the walk-through: soft-webauthn's authenticator (P-256, attestation "none",
user verification asserted) answering the server's W3C JSON options, its credential kept in a state file between calls. Reads the
answer of .../register/start or .../login/start on stdin and prints the body for .../finish.

  demo-passkey.py register passkey.json --origin http://localhost:8080 < register-start.json
  demo-passkey.py login passkey.json --origin http://localhost:8080 < login-start.json

The origin is the page's (the browser's) origin: one the tenant allows (by default the public URL's).
"""
import argparse, base64, hashlib, json, os, sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from soft_webauthn import SoftWebauthnDevice


class VerifyingDevice(SoftWebauthnDevice):
    """Asserts user verification (the UV flag, W3C WebAuthn §6.1), as a platform authenticator does after
    Touch ID or a PIN: a tenant that requires a second factor accepts only such passkey logins."""

    def get(self, options, origin):
        assertion = super().get(options, origin)
        response = assertion["response"]
        data = bytearray(response["authenticatorData"])
        data[32] |= 0x04  # flags byte, after the 32-byte rpIdHash
        response["authenticatorData"] = bytes(data)
        signed = bytes(data) + hashlib.sha256(response["clientDataJSON"]).digest()
        response["signature"] = self.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return assertion


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def creation_options(public_key):
    """PublicKeyCredentialCreationOptionsJSON -> what navigator.credentials.create() takes (bytes)."""
    o = dict(public_key)
    o["challenge"] = unb64url(o["challenge"])
    o["user"] = dict(o["user"], id=unb64url(o["user"]["id"]))
    return {"publicKey": o}


def request_options(public_key):
    o = dict(public_key)
    o["challenge"] = unb64url(o["challenge"])
    return {"publicKey": o}


def registration_json(credential):
    """The PublicKeyCredential of a registration as PublicKeyCredential.toJSON() gives it."""
    return {"id": b64url(credential["rawId"]), "rawId": b64url(credential["rawId"]), "type": credential["type"],
            "response": {k: b64url(v) for k, v in credential["response"].items()}}


def assertion_json(assertion):
    response = {k: b64url(v) for k, v in assertion["response"].items() if v is not None}
    return {"id": b64url(assertion["rawId"]), "rawId": b64url(assertion["rawId"]), "type": assertion["type"], "response": response}


def save(device, path):
    state = {
        "credentialId": b64url(device.credential_id), "rpId": device.rp_id, "userHandle": b64url(device.user_handle),
        "signCount": device.sign_count,
        "privateKey": device.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f)


def load(path):
    with open(path) as f:
        state = json.load(f)
    device = VerifyingDevice()
    device.credential_id = unb64url(state["credentialId"])
    device.rp_id = state["rpId"]
    device.user_handle = unb64url(state["userHandle"])
    device.sign_count = state["signCount"]
    device.private_key = serialization.load_pem_private_key(state["privateKey"].encode(), password=None)
    return device


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["register", "login"])
    p.add_argument("state")
    p.add_argument("--origin", required=True)
    a = p.parse_args()
    start = json.load(sys.stdin)
    if a.cmd == "register":
        device = VerifyingDevice()
        response = registration_json(device.create(creation_options(start["publicKey"]), a.origin))
    else:
        device = load(a.state)
        response = assertion_json(device.get(request_options(start["publicKey"]), a.origin))
    save(device, a.state)
    print(json.dumps({"sessionId": start["sessionId"], "response": response}))


if __name__ == "__main__":
    main()
