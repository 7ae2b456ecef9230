#!/usr/bin/env python3
"""A pretend external identity provider for demos and benchmarks: an Ed25519 key, its JWKS, and signed
tokens. Needs the `cryptography` package (scripts/venv.sh installs it into .venv).

  demo-idp.py keygen idp.pem
  demo-idp.py jwks idp.pem [--kid demo-1]
  demo-idp.py token idp.pem --iss https://idp.example.com --sub alice [--aud my-app] [--email a@x.io] [--ttl 3600]
"""
import argparse, base64, json, sys, time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keygen"); k.add_argument("key")
    j = sub.add_parser("jwks"); j.add_argument("key"); j.add_argument("--kid", default="demo-1")
    t = sub.add_parser("token"); t.add_argument("key"); t.add_argument("--kid", default="demo-1")
    t.add_argument("--iss", required=True); t.add_argument("--sub", required=True)
    t.add_argument("--aud"); t.add_argument("--email"); t.add_argument("--ttl", type=int, default=3600)
    a = p.parse_args()
    if a.cmd == "keygen":
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        with open(a.key, "wb") as f:
            f.write(pem)
    elif a.cmd == "jwks":
        raw = load(a.key).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        print(json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64(raw), "kid": a.kid, "use": "sig", "alg": "EdDSA"}]}))
    else:
        now = int(time.time())
        claims = {"iss": a.iss, "sub": a.sub, "iat": now, "exp": now + a.ttl}
        if a.aud: claims["aud"] = a.aud
        if a.email: claims["email"] = a.email
        header = {"alg": "EdDSA", "typ": "JWT", "kid": a.kid}
        signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
        sig = load(a.key).sign(signing_input.encode())
        sys.stdout.write(signing_input + "." + b64(sig) + "\n")


if __name__ == "__main__":
    main()
