"""A tenant with one of everything, for the schema fuzzer to aim at: without real identifiers its requests
to `/v2/webhooks/{id}`, `/auth/biometric/devices/{id}` and the like end at a 404 before any handler's own
checks run. `populate` creates, through the public API only, a user with a session, a Classic API key, a
device key (ES256), a pending confirmation and a passkey (soft-webauthn), and as the tenant's admin a
business with a membership, an identity provider, a role granted to the user, an OAuth client, a tenant
API key and a webhook with one delivery. `schemathesis_config` turns the identifiers into per-operation
path parameters for a schemathesis.toml."""
import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from soft_webauthn import SoftWebauthnDevice

from conftest import load_script

passkey = load_script("demo-passkey.py")


def b64url_int(value):
    return base64.urlsafe_b64encode(value.to_bytes(32, "big")).decode().rstrip("=")


def expect(reply, status=(200, 201)):
    code, body = reply
    assert code in status, (code, body)
    return body


def populate(server, tenant, email):
    """Returns (user, ids): the user's bearer token and project header, and the identifiers by name."""
    project = {"x-project-key": tenant["projectApiKey"]}
    admin = dict(project, authorization="Bearer " + tenant["jwt"])
    token = server.user_token(tenant, email)
    bearer = dict(project, authorization="Bearer " + token)
    ids = {"tenantId": tenant["id"]}

    users = expect(server.call("GET", "/v2/users", headers=admin))["data"]
    ids["userId"] = next(u["id"] for u in users if u.get("email") == email)
    ids["sessionId"] = expect(server.call("GET", "/auth/sessions", headers=bearer))[0]["id"]
    ids["classicKeyId"] = expect(server.call("POST", "/api/v1/auth/keys", {"name": "fuzzed"}, bearer))["keyId"]

    # A device key, then a confirmation for it to approve or reject.
    device = ec.generate_private_key(ec.SECP256R1())
    public = base64.b64encode(device.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    challenge = expect(server.call("POST", "/auth/biometric/register/challenge", {
        "deviceFingerprint": "fuzzed-device", "deviceName": "fuzzer", "deviceType": "mobile",
        "keyAlgorithm": "ES256", "publicKey": public}, bearer))
    signed = base64.b64encode(device.sign(challenge["challenge"].encode(), ec.ECDSA(hashes.SHA256()))).decode()
    ids["deviceId"] = expect(server.call("POST", "/auth/biometric/register/verify",
                                         {"sessionId": challenge["sessionId"], "signedChallenge": signed}, bearer))["deviceId"]
    ids["confirmationId"] = expect(server.call("POST", "/auth/confirmations",
                                               {"actionType": "fuzzed", "actionPayload": {"n": 1}}, bearer))["confirmationId"]

    start = expect(server.call("POST", "/auth/webauthn/register/start", {"name": "fuzzed"}, bearer))
    credential = SoftWebauthnDevice().create(passkey.creation_options(start["publicKey"]), server.origin)
    expect(server.call("POST", "/auth/webauthn/register/finish",
                       {"sessionId": start["sessionId"], "response": passkey.registration_json(credential)}, bearer))
    ids["passkeyId"] = expect(server.call("GET", "/auth/webauthn/credentials", headers=bearer))["credentials"][0]["id"]

    ids["businessId"] = expect(server.call("POST", "/v2/businesses", {"name": "Fuzzed Ltd"}, admin))["id"]
    expect(server.call("POST", f"/v2/businesses/{ids['businessId']}/memberships", {"userId": ids["userId"]}, admin))
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "kid": "fuzzed", "alg": "ES256", "x": b64url_int(numbers.x), "y": b64url_int(numbers.y)}
    ids["providerId"] = expect(server.call("POST", "/v2/identity-providers", {
        "issuer": "https://idp.fuzzed.example", "jwks": {"keys": [jwk]}, "audience": "fuzzed"}, admin))["id"]
    ids["role"] = "fuzzed-role"
    expect(server.call("POST", "/v2/roles", {"name": "fuzzed-role", "permissions": ["users:read"]}, admin))
    expect(server.call("POST", f"/v2/users/{ids['userId']}/roles", {"role": "fuzzed-role"}, admin))
    ids["clientId"] = expect(server.call("POST", "/v2/oauth-clients", {
        "name": "Fuzzed app", "redirectUris": ["http://127.0.0.1:9/callback"]}, admin))["clientId"]
    ids["apiKeyId"] = expect(server.call("POST", "/v2/api-keys", {"name": "fuzzed", "permissions": ["users:read"]}, admin))["keyId"]
    # The node under test never sends (GATEHOUSE_WEBHOOK_DISPATCH=false), so the made-up host is not contacted.
    ids["webhookId"] = expect(server.call("POST", "/v2/webhooks", {
        "url": "https://hooks.fuzzed.example/in", "events": ["user.created"]}, admin))["id"]
    ids["deliveryId"] = expect(server.call("POST", f"/v2/webhooks/{ids['webhookId']}/test", {}, admin), (202,))["deliveryId"]
    return bearer, ids


# Which identifier each templated path takes: (path, {parameter: name in ids}).
PATHS = [
    ("/v2/tenants/{id}", {"id": "tenantId"}),
    ("/v2/businesses/{id}", {"id": "businessId"}),
    ("/v2/businesses/{id}/memberships", {"id": "businessId"}),
    ("/v2/businesses/{id}/memberships/{userId}", {"id": "businessId", "userId": "userId"}),
    ("/v2/admins/{userId}", {"userId": "userId"}),
    ("/v2/identity-providers/{id}", {"id": "providerId"}),
    ("/v2/users/{id}", {"id": "userId"}),
    ("/v2/users/{id}/password", {"id": "userId"}),
    ("/v2/users/{id}/roles", {"id": "userId"}),
    ("/v2/users/{id}/roles/{role}", {"id": "userId", "role": "role"}),
    ("/v2/roles/{role}", {"role": "role"}),
    ("/api/v1/auth/keys/{keyId}", {"keyId": "classicKeyId"}),
    ("/auth/sessions/{id}", {"id": "sessionId"}),
    ("/auth/biometric/devices/{id}", {"id": "deviceId"}),
    ("/auth/confirmations/{id}", {"id": "confirmationId"}),
    ("/auth/confirmations/{id}/approve", {"id": "confirmationId"}),
    ("/auth/confirmations/{id}/reject", {"id": "confirmationId"}),
    ("/auth/webauthn/credentials/{id}", {"id": "passkeyId"}),
    ("/auth/consents/{clientId}", {"clientId": "clientId"}),
    ("/v2/oauth-clients/{id}", {"id": "clientId"}),
    ("/v2/oauth-clients/{id}/secret", {"id": "clientId"}),
    ("/v2/api-keys/{keyId}", {"keyId": "apiKeyId"}),
    ("/v2/webhooks/{id}", {"id": "webhookId"}),
    ("/v2/webhooks/{id}/secret", {"id": "webhookId"}),
    ("/v2/webhooks/{id}/test", {"id": "webhookId"}),
    ("/v2/webhooks/{id}/deliveries", {"id": "webhookId"}),
    ("/v2/webhooks/{id}/deliveries/{deliveryId}/redeliver", {"id": "webhookId", "deliveryId": "deliveryId"}),
]


def schemathesis_config(ids):
    """A schemathesis.toml: every `{tenantId}` is the tenant's, and each path above gets its identifiers."""
    def quoted(value):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["[auth]", "auto-signup = false", "", "[parameters]", f'"path.tenantId" = {quoted(ids["tenantId"])}', ""]
    for path, names in PATHS:
        values = ", ".join(f'"path.{param}" = {quoted(ids[name])}' for param, name in names.items())
        lines += ["[[operations]]", f"include-path = {quoted(path)}", f"parameters = {{ {values} }}", ""]
    return "\n".join(lines)
