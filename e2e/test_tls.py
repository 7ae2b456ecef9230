"""The server's own TLS (issue 16, hardening): `serve` with GATEHOUSE_TLS_CERT/GATEHOUSE_TLS_KEY answers over
TLS only, with HSTS and an https issuer; SIGHUP loads a renewed certificate for the next handshake without a
restart, and a broken renewal leaves the serving pair in place; a missing or mismatched pair stops `serve`
at start with a message naming the files. Certificates are made here with `cryptography`; every connection
is to 127.0.0.1."""
import datetime
import hashlib
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import SYSTEM_KEY, free_port, gatehouse_binary, start_node, stop_node

DEADLINE = float(os.environ.get("GATEHOUSE_TLS_RELOAD_DEADLINE", "5"))


def certificate(folder, name):
    """A self-signed P-256 certificate for localhost and 127.0.0.1: (cert path, key path, DER fingerprint)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(folder, name + ".crt"), os.path.join(folder, name + ".key")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path, hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def trusting(*cert_paths):
    context = ssl.create_default_context()
    for path in cert_paths:
        context.load_verify_locations(path)
    return context


def served_fingerprint(port):
    """The SHA-256 of the certificate a new handshake presents (not verified: only which one it is)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, context.wrap_socket(raw) as tls:
        return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def replace(source, target):
    """Renewal as certbot does it: the new file moved over the old name."""
    with open(source, "rb") as f:
        data = f.read()
    with open(target + ".new", "wb") as f:
        f.write(data)
    os.replace(target + ".new", target)


def node_env(folder, port, cert, key):
    env = dict(os.environ, GATEHOUSE_DATA_DIR=folder, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY,
               GATEHOUSE_LOG_LEVEL="info", GATEHOUSE_TLS_CERT=cert, GATEHOUSE_TLS_KEY=key)
    for name in ("GATEHOUSE_DATABASE_URL", "GATEHOUSE_PUBLIC_URL"):
        env.pop(name, None)
    return env


def test_tls_serves_with_hsts_and_reloads_on_sighup():
    folder = tempfile.mkdtemp(prefix="gatehouse-tls-")
    first_cert, first_key, first = certificate(folder, "first")
    second_cert, second_key, second = certificate(folder, "second")
    cert, key = os.path.join(folder, "live.crt"), os.path.join(folder, "live.key")
    replace(first_cert, cert)
    replace(first_key, key)
    port = free_port()
    proc, log = start_node(gatehouse_binary(), node_env(folder, port, cert, key), tls=trusting(first_cert))
    try:
        base = f"https://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/health/live", context=trusting(first_cert), timeout=5) as r:
            assert r.status == 200
            assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
        with urllib.request.urlopen(base + "/.well-known/openid-configuration", context=trusting(first_cert), timeout=5) as r:
            assert r.read().decode().count(f'"issuer":"https://localhost:{port}') == 1
        # Plain HTTP to the TLS port is not served.
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=5) as r:
                raise AssertionError(f"plain HTTP answered {r.status}")
        except (OSError, ConnectionError) as refused:
            assert not isinstance(refused, urllib.error.HTTPError), refused
        assert served_fingerprint(port) == first

        # A renewal moved into place, then SIGHUP: the next handshake presents it, with no restart.
        keep_alive = socket.create_connection(("127.0.0.1", port), timeout=5)
        replace(second_cert, cert)
        replace(second_key, key)
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + DEADLINE
        while served_fingerprint(port) != second:
            assert time.monotonic() < deadline, "the renewed certificate was not served after SIGHUP"
            time.sleep(0.1)
        with urllib.request.urlopen(base + "/health/ready", context=trusting(second_cert), timeout=5) as r:
            assert r.status == 200
        keep_alive.close()
        assert proc.poll() is None

        # A broken renewal (the key file cut short) is refused; the serving pair stays.
        with open(key, "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\ntruncated\n")
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + DEADLINE
        while "tls reload failed" not in open(log.name).read():
            assert time.monotonic() < deadline, "a failed reload was not logged"
            time.sleep(0.1)
        assert served_fingerprint(port) == second
        assert proc.poll() is None
    finally:
        stop_node(proc, log)
    output = open(log.name).read()
    assert "PRIVATE KEY" not in output and "truncated" not in output


def test_a_missing_or_mismatched_pair_stops_serve_at_start():
    folder = tempfile.mkdtemp(prefix="gatehouse-tls-")
    cert, _, _ = certificate(folder, "one")
    _, other_key, _ = certificate(folder, "two")
    binary = gatehouse_binary()
    cases = [
        (dict(GATEHOUSE_TLS_CERT=cert, GATEHOUSE_TLS_KEY=other_key), "cannot serve TLS"),
        (dict(GATEHOUSE_TLS_CERT=cert, GATEHOUSE_TLS_KEY=os.path.join(folder, "absent.key")), "absent.key"),
        (dict(GATEHOUSE_TLS_CERT=cert, GATEHOUSE_TLS_KEY=""), "go together"),
    ]
    for overrides, message in cases:
        env = node_env(folder, free_port(), cert, "")
        env.update(overrides)
        run = subprocess.run([binary, "serve"], env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode != 0, (overrides, run.stdout[-2000:])
        assert message in run.stdout + run.stderr, (overrides, run.stdout[-2000:], run.stderr[-2000:])
