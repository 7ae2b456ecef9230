"""The upgrade fixture (issue 16, item 5): a database written by an earlier build, through its public API
only, with a row in every table, and the credentials a later build needs to use that data.

    python e2e/upgrade_fixture.py OLD_BINARY OUT_FOLDER [--postgres]

starts OLD_BINARY on a fresh folder with fixed keys and public URL, creates one of everything (tenants,
admins, users with passwords and TOTP, sessions and refresh tokens, Classic and tenant API keys, a device
key, confirmations with their push outbox rows, a passkey, unfinished ceremonies, a throttled login, a
business and membership, an identity provider, roles and grants, OAuth clients with a code, a consent and
a revoked token, a webhook with deliveries), stops it, and writes OUT_FOLDER/gatehouse.sqlite (one file,
no WAL) — with --postgres, on a private PostgreSQL cluster, OUT_FOLDER/gatehouse.sql (pg_dump, plain, no
owners) — and OUT_FOLDER/manifest.json (what e2e/test_upgrade.py signs in with, and the row counts). The
made-up FCM endpoint is a closed loopback port, so pushes stay queued. Loopback only."""
import base64
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse

import pyotp
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from soft_webauthn import SoftWebauthnDevice

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import Server, free_port, load_script, start_node, stop_node  # noqa: E402

passkey = load_script("demo-passkey.py")

# Fixed so that the later build reads what this one wrote: secrets sealed under the master key, tokens
# whose issuer is the public URL, and lifetimes long enough that the fixture's tokens outlive the test.
MASTER_KEY = base64.b64encode(hashlib.sha256(b"gatehouse upgrade fixture master key").digest()).decode()
SYSTEM_KEY = "sk_system_upgrade_" + "u" * 40
PUBLIC_URL = "http://localhost:18181"
TEN_YEARS = str(10 * 365 * 86400)
PASSWORD = "correct horse battery"


def environment(folder, port):
    env = dict(os.environ, GATEHOUSE_DATA_DIR=folder, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY,
               GATEHOUSE_MASTER_KEY=MASTER_KEY, GATEHOUSE_PUBLIC_URL=PUBLIC_URL, GATEHOUSE_BCRYPT_COST="10",
               GATEHOUSE_LOG_LEVEL="warning", GATEHOUSE_ACCESS_TOKEN_TTL=TEN_YEARS, GATEHOUSE_REFRESH_TOKEN_TTL=TEN_YEARS,
               GATEHOUSE_WEBHOOK_DISPATCH="false")
    env.pop("GATEHOUSE_DATABASE_URL", None)
    return env


def ok(reply, *status):
    code, body = reply
    assert code in (status or (200, 201)), (code, body)
    return body


def b64(data):
    return base64.b64encode(data).decode()


def fcm_account(folder):
    """A service account whose token endpoint and API are a closed loopback port: pushes stay queued."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    path = os.path.join(folder, "fcm.json")
    with open(path, "w") as f:
        json.dump({"type": "service_account", "project_id": "upgrade-fixture", "private_key_id": "k1", "private_key": pem,
                   "client_email": "push@upgrade-fixture.iam.gserviceaccount.com", "token_uri": "http://127.0.0.1:9/token"}, f)
    return path


def populate(server):
    """One of everything; returns the manifest's credentials."""
    m = {}
    tenant = ok(server.call("POST", "/v2/tenants", {"projectName": "Upgrade Co"}, {"x-api-key": SYSTEM_KEY}))
    project = {"x-project-key": tenant["projectApiKey"]}
    admin = dict(project, authorization="Bearer " + tenant["jwt"])
    m["tenant"] = {k: tenant[k] for k in ("id", "projectApiKey", "apiPrivateKey")}

    # Users: Jane (password, TOTP, device key, passkey), Bob (password only; a second admin), Eve (throttled).
    for name in ("jane", "bob", "eve"):
        ok(server.call("POST", "/v2/users", {"username": name, "email": f"{name}@example.com", "password": PASSWORD}, admin))
    users = {u["username"]: u["id"] for u in ok(server.call("GET", "/v2/users", headers=admin))["data"]}
    m["users"] = users
    ok(server.call("POST", "/v2/admins", {"userId": users["bob"]}, admin))

    classic = ok(server.call("POST", "/api/v1/auth/login", {"username": "bob", "password": PASSWORD}, project))
    m["bob"] = {"accessToken": classic["token"], "refreshToken": classic["refreshToken"]}
    m["bob"]["classicApiKey"] = ok(server.call("POST", "/api/v1/auth/keys", {"name": "upgrade"},
                                               dict(project, authorization="Bearer " + classic["token"])))["apiKey"]

    login = ok(server.call("POST", "/auth/login", {"email": "jane@example.com", "password": PASSWORD}, project))
    jane = dict(project, authorization="Bearer " + login["tokens"]["accessToken"])
    m["jane"] = {"accessToken": login["tokens"]["accessToken"], "refreshToken": login["tokens"]["refreshToken"]}

    # A device key, a confirmation approved and one left pending (its push queued), and a login challenge unused.
    device = ec.generate_private_key(ec.SECP256R1())
    public = b64(device.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))

    def sign(challenge):
        return b64(device.sign(challenge.encode(), ec.ECDSA(hashes.SHA256())))
    challenge = ok(server.call("POST", "/auth/biometric/register/challenge", {
        "deviceFingerprint": "upgrade-phone", "deviceName": "Jane's phone", "deviceType": "mobile",
        "keyAlgorithm": "ES256", "publicKey": public}, jane))
    device_id = ok(server.call("POST", "/auth/biometric/register/verify",
                               {"sessionId": challenge["sessionId"], "signedChallenge": sign(challenge["challenge"])}, jane))["deviceId"]
    ok(server.call("PUT", "/auth/biometric/devices/fcm-token", {"deviceId": device_id, "fcmToken": "fcm-token-upgrade"}, jane))
    m["jane"]["device"] = {"id": device_id, "fingerprint": "upgrade-phone",
                           "privateKey": device.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()).decode()}
    done = ok(server.call("POST", "/auth/confirmations", {"actionType": "wire_transfer", "actionPayload": {"amount": 125}}, jane))
    ok(server.call("POST", f"/auth/confirmations/{done['confirmationId']}/approve",
                   {"deviceId": device_id, "signedChallenge": sign(done["challenge"])}, project))
    pending = ok(server.call("POST", "/auth/confirmations", {"actionType": "delete_project", "actionPayload": {"id": 7}}, jane))
    m["jane"]["approvedConfirmation"] = done["confirmationId"]
    m["jane"]["pendingConfirmation"] = pending["confirmationId"]
    ok(server.call("POST", "/auth/biometric/challenge", {"deviceFingerprint": "upgrade-phone"}, project))
    login_challenge = ok(server.call("POST", "/auth/biometric/challenge", {"deviceFingerprint": "upgrade-phone"}, project))
    ok(server.call("POST", "/auth/biometric/authenticate",
                   {"sessionId": login_challenge["sessionId"], "signedChallenge": sign(login_challenge["challenge"])}, project))

    # A passkey, and a registration ceremony started and never finished.
    start = ok(server.call("POST", "/auth/webauthn/register/start", {"name": "Jane's key"}, jane))
    authenticator = SoftWebauthnDevice()
    credential = authenticator.create(passkey.creation_options(start["publicKey"]), PUBLIC_URL)
    ok(server.call("POST", "/auth/webauthn/register/finish",
                   {"sessionId": start["sessionId"], "response": passkey.registration_json(credential)}, jane))
    ok(server.call("POST", "/auth/webauthn/register/start", {"name": "never finished"}, jane))
    m["jane"]["passkey"] = {
        "credentialId": b64(authenticator.credential_id), "rpId": authenticator.rp_id,
        "userHandle": b64(authenticator.user_handle), "signCount": authenticator.sign_count,
        "privateKey": authenticator.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()).decode()}

    # TOTP, in a second tenant that requires it: Tara enrols through her MFA-pending token, then a later
    # login's MFA challenge is left open.
    strict = ok(server.call("POST", "/v2/tenants", {"projectName": "Strict Co"}, {"x-api-key": SYSTEM_KEY}))
    strict_project = {"x-project-key": strict["projectApiKey"]}
    strict_admin = dict(strict_project, authorization="Bearer " + strict["jwt"])
    ok(server.call("PUT", "/v2/tenants", {"requireMfa": True}, strict_admin))
    ok(server.call("POST", "/v2/users", {"username": "tara", "email": "tara@example.com", "password": PASSWORD}, strict_admin))
    pending = dict(strict_project, authorization="Bearer " + ok(server.call(
        "POST", "/auth/login", {"email": "tara@example.com", "password": PASSWORD}, strict_project))["token"])
    secret = ok(server.call("POST", "/auth/otp/setup", {}, pending))["secret"]
    ok(server.call("POST", "/auth/otp/verify", {"otp": pyotp.TOTP(secret).now()}, pending))
    ok(server.call("POST", "/auth/login", {"email": "tara@example.com", "password": PASSWORD}, strict_project))
    m["strictTenant"] = {"id": strict["id"], "projectApiKey": strict["projectApiKey"]}
    m["tara"] = {"totpSecret": secret}

    # Eve: failed logins counted by the throttle.
    for _ in range(2):
        server.call("POST", "/auth/login", {"email": "eve@example.com", "password": "wrong password"}, project)

    # Project API: a business with a membership, an identity provider, a role granted, a tenant API key.
    business = ok(server.call("POST", "/v2/businesses", {"name": "Upgrade Ltd"}, admin))
    ok(server.call("POST", f"/v2/businesses/{business['id']}/memberships", {"userId": users["jane"]}, admin))
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()

    def coordinate(value):
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).decode().rstrip("=")
    ok(server.call("POST", "/v2/identity-providers", {
        "issuer": "https://idp.upgrade.example", "audience": "upgrade",
        "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "kid": "u1", "alg": "ES256", "x": coordinate(numbers.x), "y": coordinate(numbers.y)}]}}, admin))
    ok(server.call("POST", "/v2/roles", {"name": "support", "permissions": ["users:read", "events:read"]}, admin))
    ok(server.call("POST", f"/v2/users/{users['bob']}/roles", {"role": "support"}, admin))
    m["tenantApiKey"] = ok(server.call("POST", "/v2/api-keys", {"name": "nightly", "permissions": ["users:read"]}, admin))["apiKey"]

    # OAuth: a confidential client with a code issued and a consent given, a revoked client-credentials token.
    redirect = "http://127.0.0.1:9/callback"
    client = ok(server.call("POST", "/v2/oauth-clients", {
        "name": "Planner", "redirectUris": [redirect], "grantTypes": ["authorization_code", "refresh_token", "client_credentials"],
        "scopes": ["openid", "email", "offline_access"]}, admin))
    m["client"] = {"id": client["clientId"], "secret": client["clientSecret"]}
    issuer = f"{server.base}/t/{tenant['id']}"
    verifier = "upgrade-fixture-verifier-" + "v" * 30
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    browser = requests.Session()
    page = browser.get(issuer + "/oauth2/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client["clientId"], "redirect_uri": redirect, "scope": "openid email",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"}), timeout=10)
    assert page.status_code == 200, page.text[:300]

    def submit(page, fields):
        action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
        data = {n: re.search(r'name="%s" value="([^"]*)"' % n, page.text).group(1) for n in ("csrf", "request")}
        data.update(fields)
        return browser.post(urllib.parse.urljoin(page.url, action), data=data, allow_redirects=False, timeout=10)
    consent = submit(page, {"login": "bob", "password": PASSWORD})
    assert consent.status_code == 200, consent.text[:300]
    back = submit(consent, {"decision": "allow"})
    assert back.status_code == 303 and "code=" in back.headers["location"], back.headers
    basic = (client["clientId"], client["clientSecret"])
    token = requests.post(issuer + "/oauth2/token", data={"grant_type": "client_credentials"}, auth=basic, timeout=10).json()
    revoked = requests.post(issuer + "/oauth2/revoke", data={"token": token["access_token"]}, auth=basic, timeout=10)
    assert revoked.status_code == 200, revoked.text

    # A webhook with a test delivery queued (this node never sends).
    hook = ok(server.call("POST", "/v2/webhooks", {"url": "https://hooks.upgrade.example/in", "events": ["user.created", "login.failed"]}, admin))
    ok(server.call("POST", f"/v2/webhooks/{hook['id']}/test", {}, admin), 202)
    m["webhookId"] = hook["id"]
    return m


def psql(cluster, sql):
    return subprocess.run([os.path.join(cluster.bin, "psql"), cluster.url, "-At", "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def postgres_counts(cluster):
    """Row counts of every table of the public schema, by name."""
    tables = psql(cluster, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").split()
    return {t: int(psql(cluster, f'SELECT COUNT(*) FROM "{t}"')) for t in tables}


def sqlite_counts(path):
    """Row counts of every table of a SQLite file, by name."""
    db = sqlite3.connect(path)
    try:
        tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        db.close()


def main(binary, out, postgres=False):
    folder = tempfile.mkdtemp(prefix="gatehouse-upgrade-fixture-")
    port = free_port()
    env = environment(folder, port)
    env["GATEHOUSE_FCM_CREDENTIALS"] = fcm_account(folder)
    env["GATEHOUSE_FCM_BASE_URL"] = "http://127.0.0.1:9"
    cluster = None
    if postgres:
        from pg_cluster import Cluster
        cluster = Cluster()
        env["GATEHOUSE_DATABASE_URL"] = cluster.url
    try:
        proc, log = start_node(binary, env)
        try:
            manifest = populate(Server(f"http://127.0.0.1:{port}", PUBLIC_URL, data=folder))
        finally:
            stop_node(proc, log)
        os.makedirs(out, exist_ok=True)
        if cluster:
            dump = subprocess.run([os.path.join(cluster.bin, "pg_dump"), "--no-owner", "--no-privileges", cluster.url],
                                  check=True, capture_output=True, text=True).stdout
            with open(os.path.join(out, "gatehouse.sql"), "w") as f:
                f.write(dump)
            manifest["rows"] = postgres_counts(cluster)
            manifest["schemaVersion"] = int(psql(cluster, "SELECT MAX(version) FROM schema_migrations"))
        else:
            target = os.path.join(out, "gatehouse.sqlite")
            if os.path.exists(target):
                os.remove(target)
            source = sqlite3.connect(os.path.join(folder, "gatehouse.sqlite"))
            source.execute(f"VACUUM INTO '{target}'")  # one file, no WAL beside it
            manifest["schemaVersion"] = source.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
            source.close()
            manifest["rows"] = sqlite_counts(target)
    finally:
        if cluster:
            cluster.remove()
    manifest.update(masterKey=MASTER_KEY, systemKey=SYSTEM_KEY, publicURL=PUBLIC_URL, password=PASSWORD,
                    writtenBy=os.environ.get("FIXTURE_COMMIT", "unknown"))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    shutil.rmtree(folder, ignore_errors=True)
    empty = sorted(t for t, n in manifest["rows"].items() if n == 0)
    print("empty tables:", empty or "none")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], postgres="--postgres" in sys.argv[3:])
