"""Device-key login and action confirmations driven by keys made and used with the `cryptography`
package (a client we did not write): ES256 (DER signatures, as iOS and Android send them) and RS256."""
import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


def b64(data):
    return base64.b64encode(data).decode()


class ES256Device:
    algorithm = "ES256"

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())

    def public_key(self):
        return b64(self.key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))

    def sign(self, challenge):
        return b64(self.key.sign(challenge.encode(), ec.ECDSA(hashes.SHA256())))


class RS256Device:
    algorithm = "RS256"

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def public_key(self):
        return self.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, challenge):
        return b64(self.key.sign(challenge.encode(), padding.PKCS1v15(), hashes.SHA256()))


@pytest.mark.parametrize("device_class", [ES256Device, RS256Device])
def test_register_login_and_approve(server, device_class):
    tenant = server.tenant()
    project = {"x-project-key": tenant["projectApiKey"]}
    email = f"{device_class.algorithm.lower()}@example.com"
    bearer = dict(project, authorization="Bearer " + server.user_token(tenant, email))
    device = device_class()
    fingerprint = "e2e-" + device.algorithm

    status, c = server.call("POST", "/auth/biometric/register/challenge", {
        "deviceFingerprint": fingerprint, "deviceName": "pytest", "deviceType": "mobile",
        "keyAlgorithm": device.algorithm, "publicKey": device.public_key()}, bearer)
    assert status == 200, c
    status, v = server.call("POST", "/auth/biometric/register/verify",
                            {"sessionId": c["sessionId"], "signedChallenge": device.sign(c["challenge"])}, bearer)
    assert status == 200, v
    assert v["success"] is True and v["device"]["keyAlgorithm"] == device.algorithm
    device_id = v["deviceId"]

    status, ch = server.call("POST", "/auth/biometric/challenge", {"deviceFingerprint": fingerprint}, project)
    assert status == 200, ch
    status, auth = server.call("POST", "/auth/biometric/authenticate",
                               {"sessionId": ch["sessionId"], "signedChallenge": device.sign(ch["challenge"]), "rememberMe": True}, project)
    assert status == 200, auth
    assert auth["success"] is True and auth["tokens"]["accessToken"]
    # The same signature again: the challenge is spent.
    status, again = server.call("POST", "/auth/biometric/authenticate",
                                {"sessionId": ch["sessionId"], "signedChallenge": device.sign(ch["challenge"])}, project)
    assert status == 401, again

    # A signature by another key of the same kind is refused.
    status, ch2 = server.call("POST", "/auth/biometric/challenge", {"deviceFingerprint": fingerprint}, project)
    status, wrong = server.call("POST", "/auth/biometric/authenticate",
                                {"sessionId": ch2["sessionId"], "signedChallenge": device_class().sign(ch2["challenge"])}, project)
    assert status == 401, wrong

    device_bearer = dict(project, authorization="Bearer " + auth["tokens"]["accessToken"])
    status, conf = server.call("POST", "/auth/confirmations",
                               {"actionType": "delete_project", "actionPayload": {"projectId": 42, "cascade": True}}, device_bearer)
    assert status == 201, conf
    status, ok = server.call("POST", f"/auth/confirmations/{conf['confirmationId']}/approve",
                             {"deviceId": device_id, "signedChallenge": device.sign(conf["challenge"])}, project)
    assert status == 200, ok
    assert ok == {"confirmationId": conf["confirmationId"], "status": "approved", "success": True}
    status, state = server.call("GET", f"/auth/confirmations/{conf['confirmationId']}", headers=device_bearer)
    assert status == 200 and state["status"] == "approved"
    assert state["actionPayload"] == {"projectId": 42, "cascade": True}


def test_server_generated_key_signs_with_cryptography(server):
    """The pair from /auth/biometric/keys loads in `cryptography` (PKCS#8 / SPKI DER) and works end to end."""
    tenant = server.tenant("Keys Co")
    project = {"x-project-key": tenant["projectApiKey"]}
    status, pair = server.call("POST", "/auth/biometric/keys", {"keyAlgorithm": "ES256"}, project)
    assert status == 200, pair
    assert pair["curve"] == "P-256"
    private = serialization.load_der_private_key(base64.b64decode(pair["privateKey"]), password=None)
    public = serialization.load_der_public_key(base64.b64decode(pair["publicKey"]))
    assert private.public_key().public_numbers() == public.public_numbers()
    bearer = dict(project, authorization="Bearer " + server.user_token(tenant, "keys@example.com"))
    status, c = server.call("POST", "/auth/biometric/register/challenge", {
        "deviceFingerprint": "server-made", "deviceName": "old phone", "deviceType": "mobile",
        "keyAlgorithm": "ES256", "publicKey": pair["publicKey"]}, bearer)
    assert status == 200, c
    signature = b64(private.sign(c["challenge"].encode(), ec.ECDSA(hashes.SHA256())))
    status, v = server.call("POST", "/auth/biometric/register/verify", {"sessionId": c["sessionId"], "signedChallenge": signature}, bearer)
    assert status == 200, v
