#!/usr/bin/env python3
"""A pretend phone for the device-key walk-through: a P-256 key in a PEM file and ES256 signatures over
challenges, as a phone makes them behind its biometric prompt. Needs the `cryptography` package
(scripts/venv.sh installs it into .venv).

  demo-device.py keygen phone.pem          prints the public key (base64 SPKI DER) to register
  demo-device.py sign phone.pem CHALLENGE  prints the signature (base64 DER) over the challenge's UTF-8 bytes
"""
import argparse, base64, os, sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def public_key(key):
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keygen"); k.add_argument("key")
    s = sub.add_parser("sign"); s.add_argument("key"); s.add_argument("challenge")
    a = p.parse_args()
    if a.cmd == "keygen":
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        # A private key: readable by its owner only, from the moment it exists.
        fd = os.open(a.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        print(public_key(key))
    else:
        signature = load(a.key).sign(a.challenge.encode(), ec.ECDSA(hashes.SHA256()))
        sys.stdout.write(base64.b64encode(signature).decode() + "\n")


if __name__ == "__main__":
    main()
