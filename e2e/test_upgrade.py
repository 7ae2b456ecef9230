"""Upgrades (issue 16, item 5): this build opens a database an earlier build wrote, with a row in every
table (e2e/fixtures/upgrade-*/, made by e2e/upgrade_fixture.py from that build's binary; see its README).
`gatehouse migrate` brings it to this build's schema losing no row; then the node serves what the earlier
build wrote: passwords, a TOTP secret sealed under the master key, an unspent refresh token, an access token,
a device key, a passkey, both kinds of API key, an OAuth client secret, a webhook, confirmations, and the
audit chains verify. New writes work on top. A fixture holding gatehouse.sql is a PostgreSQL dump, restored
into a private cluster where PostgreSQL is installed (GATEHOUSE_TEST_POSTGRES_URL set). Loopback only."""
import base64
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile

import pyotp
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from soft_webauthn import SoftWebauthnDevice

from conftest import Server, free_port, gatehouse_binary, load_script, start_node, stop_node
from pg_cluster import Cluster
from upgrade_fixture import postgres_counts, sqlite_counts

passkey = load_script("demo-passkey.py")
FIXTURES = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "upgrade-*")))
assert FIXTURES, "no upgrade fixture under e2e/fixtures"
NO_POSTGRES = pytest.mark.skipif(not os.environ.get("GATEHOUSE_TEST_POSTGRES_URL"),
                                 reason="needs PostgreSQL (GATEHOUSE_TEST_POSTGRES_URL names one)")


def dump(fixture):
    path = os.path.join(fixture, "gatehouse.sql")
    return path if os.path.exists(path) else None


@pytest.mark.parametrize("fixture", [pytest.param(f, marks=NO_POSTGRES) if dump(f) else f for f in FIXTURES],
                         ids=[os.path.basename(f) for f in FIXTURES])
def test_this_build_serves_what_an_earlier_build_wrote(fixture):
    with open(os.path.join(fixture, "manifest.json")) as f:
        m = json.load(f)
    folder = tempfile.mkdtemp(prefix="gatehouse-upgrade-")
    database = os.path.join(folder, "gatehouse.sqlite")
    port = free_port()
    env = dict(os.environ, GATEHOUSE_DATA_DIR=folder, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=m["systemKey"],
               GATEHOUSE_MASTER_KEY=m["masterKey"], GATEHOUSE_PUBLIC_URL=m["publicURL"], GATEHOUSE_BCRYPT_COST="10",
               GATEHOUSE_LOG_LEVEL="warning", GATEHOUSE_WEBHOOK_DISPATCH="false")
    env.pop("GATEHOUSE_DATABASE_URL", None)
    cluster = None
    if dump(fixture):
        cluster = Cluster()
        subprocess.run([os.path.join(cluster.bin, "psql"), cluster.url, "-q", "-v", "ON_ERROR_STOP=1", "-f", dump(fixture)],
                       check=True, capture_output=True, text=True)
        env["GATEHOUSE_DATABASE_URL"] = cluster.url
    else:
        shutil.copy(os.path.join(fixture, "gatehouse.sqlite"), database)
    binary = gatehouse_binary()
    try:
        # Migrations first, alone: every row the earlier build wrote is still there.
        migrated = subprocess.run([binary, "migrate"], env=env, capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        after = postgres_counts(cluster) if cluster else sqlite_counts(database)
        lost = {t: (n, after.get(t)) for t, n in m["rows"].items() if t != "schema_migrations" and after.get(t) != n}
        assert not lost, f"rows changed by the migration: {lost}"
        assert after["schema_migrations"] >= m["rows"]["schema_migrations"]

        # An operator's fresh admin token, signed with a key the earlier build made.
        issued = subprocess.run([binary, "tenant", "admin-token", "--tenant", m["tenant"]["id"]], env=env, capture_output=True,
                                text=True, timeout=120)
        assert issued.returncode == 0, issued.stdout + issued.stderr
        admin_token = issued.stdout.strip().splitlines()[-1]
        proc, log = start_node(binary, env)
        try:
            smoke(Server(f"http://127.0.0.1:{port}", m["publicURL"], data=folder), m, admin_token)
        finally:
            stop_node(proc, log)
        for tenant in (m["tenant"]["id"], m["strictTenant"]["id"]):
            verified = subprocess.run([binary, "events", "verify", "--tenant", tenant], env=env, capture_output=True, text=True, timeout=120)
            assert verified.returncode == 0, verified.stdout + verified.stderr
        if not cluster:
            db = sqlite3.connect(database)
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.close()
    finally:
        if cluster:
            cluster.remove()
        shutil.rmtree(folder, ignore_errors=True)


def smoke(server, m, admin_token):
    project = {"x-project-key": m["tenant"]["projectApiKey"]}
    password = m["password"]

    def ok(reply, *status):
        code, body = reply
        assert code in (status or (200, 201)), (code, body)
        return body

    # Passwords (bcrypt hashes written before) and the tokens issued before.
    ok(server.call("POST", "/api/v1/auth/login", {"username": "bob", "password": password}, project))
    refreshed = ok(server.call("POST", "/api/v1/auth/refresh", {"refreshToken": m["bob"]["refreshToken"]}, project))
    assert refreshed["refreshToken"] != m["bob"]["refreshToken"]
    verified = ok(server.call("POST", "/v2/auth/verify", {"authToken": m["jane"]["accessToken"]}, project))
    assert verified.get("valid") is not False, verified
    jane = dict(project, authorization="Bearer " + m["jane"]["accessToken"])
    assert ok(server.call("GET", "/auth/profile", headers=jane))["email"] == "jane@example.com"
    assert ok(server.call("POST", "/auth/login", {"email": "jane@example.com", "password": password}, project))["tokens"]["accessToken"]
    assert ok(server.call("GET", "/auth/profile", headers=dict(project, **{"x-api-key": m["bob"]["classicApiKey"]})))["email"] == "bob@example.com"

    # The TOTP secret sealed under the master key opens.
    strict = {"x-project-key": m["strictTenant"]["projectApiKey"]}
    pending = ok(server.call("POST", "/auth/login", {"email": "tara@example.com", "password": password}, strict))["token"]
    done = ok(server.call("POST", "/auth/otp/verify", {"otp": pyotp.TOTP(m["tara"]["totpSecret"]).now()},
                          dict(strict, authorization="Bearer " + pending)))
    assert done["accessToken"]

    # The device key and the passkey registered before.
    device = m["jane"]["device"]
    key = serialization.load_pem_private_key(device["privateKey"].encode(), None)
    challenge = ok(server.call("POST", "/auth/biometric/challenge", {"deviceFingerprint": device["fingerprint"]}, project))
    signed = base64.b64encode(key.sign(challenge["challenge"].encode(), ec.ECDSA(hashes.SHA256()))).decode()
    assert ok(server.call("POST", "/auth/biometric/authenticate",
                          {"sessionId": challenge["sessionId"], "signedChallenge": signed}, project))["tokens"]["accessToken"]
    stored = m["jane"]["passkey"]
    authenticator = SoftWebauthnDevice()
    authenticator.credential_id = base64.b64decode(stored["credentialId"])
    authenticator.private_key = serialization.load_pem_private_key(stored["privateKey"].encode(), None)
    authenticator.rp_id = stored["rpId"]
    authenticator.user_handle = base64.b64decode(stored["userHandle"])
    authenticator.sign_count = stored["signCount"] + 1
    start = ok(server.call("POST", "/auth/webauthn/login/start", {"email": "jane@example.com"}, project))
    assertion = authenticator.get(passkey.request_options(start["publicKey"]), m["publicURL"])
    assert ok(server.call("POST", "/auth/webauthn/login/finish",
                          {"sessionId": start["sessionId"], "response": passkey.assertion_json(assertion)}, project))["success"] is True

    # Confirmations as they were left.
    assert ok(server.call("GET", f"/auth/confirmations/{m['jane']['approvedConfirmation']}", headers=jane))["status"] == "approved"
    assert ok(server.call("GET", f"/auth/confirmations/{m['jane']['pendingConfirmation']}", headers=jane))["confirmationId"] == m["jane"]["pendingConfirmation"]

    # The tenant's keys and an OAuth client's secret.
    backoffice = dict(project, authorization="Bearer " + admin_token)
    assert ok(server.call("GET", f"/v2/webhooks/{m['webhookId']}", headers=backoffice))["id"] == m["webhookId"]
    assert len(ok(server.call("GET", f"/v2/webhooks/{m['webhookId']}/deliveries", headers=backoffice))["data"]) >= 1
    users = ok(server.call("GET", "/v2/users", headers=dict(project, **{"x-api-key": m["tenantApiKey"]})))["data"]
    assert {"jane", "bob", "eve"} <= {u["username"] for u in users}
    token = requests.post(f"{server.base}/t/{m['tenant']['id']}/oauth2/token", data={"grant_type": "client_credentials"},
                          auth=(m["client"]["id"], m["client"]["secret"]), timeout=10)
    assert token.status_code == 200 and token.json()["access_token"], token.text

    # And new writes on top of the old data.
    ok(server.call("POST", "/v2/users", {"username": "newcomer", "email": "newcomer@example.com", "password": password}, backoffice))
    assert ok(server.call("POST", "/auth/login", {"email": "newcomer@example.com", "password": password}, project))["tokens"]
