"""Setup for the device-key and passkey benchmarks: a tenant, N users, each with an ES256 device registered
(keys made with the `cryptography` package) and a passkey registered by soft-webauthn. Writes what bench/loadgen needs (project key, access token, fingerprint,
device id, PKCS#8 PEM) to OUT as JSON.

usage: devices.py BASE_URL SYSTEM_KEY OUT [--users 8]
"""
import argparse
import base64
import http.client
import json
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from soft_webauthn import SoftWebauthnDevice


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def register_passkey(c, bearer, origin):
    """A passkey made by soft-webauthn (ES256); returns its PKCS#8 PEM, credential id and rpId."""
    device = SoftWebauthnDevice()
    status, start = c.call("POST", "/auth/webauthn/register/start", {"name": "bench"}, bearer)
    assert status == 200, start
    o = dict(start["publicKey"])
    o["challenge"] = unb64url(o["challenge"])
    o["user"] = dict(o["user"], id=unb64url(o["user"]["id"]))
    cred = device.create({"publicKey": o}, origin)
    response = {"id": b64url(cred["rawId"]), "rawId": b64url(cred["rawId"]), "type": "public-key",
                "response": {k: b64url(v) for k, v in cred["response"].items()}}
    status, done = c.call("POST", "/auth/webauthn/register/finish", {"sessionId": start["sessionId"], "response": response}, bearer)
    assert status == 200, done
    pem = device.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()).decode()
    return pem, b64url(cred["rawId"]), o["rp"]["id"]


class Client:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port)

    def call(self, method, path, body=None, headers=None):
        h = {"content-type": "application/json"}
        h.update(headers or {})
        self.conn.request(method, path, None if body is None else json.dumps(body), h)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)


def setup(base, system_key, workers):
    c = Client(base)
    status, tenant = c.call("POST", "/v2/tenants", {"projectName": "Device bench"}, {"x-api-key": system_key})
    assert status == 201, tenant
    project = {"x-project-key": tenant["projectApiKey"]}
    admin = dict(project, authorization="Bearer " + tenant["jwt"])
    status, info = c.call("GET", f"/v2/tenants/{tenant['id']}", None, project)
    assert status == 200, info
    origin = info["webauthnOrigins"][0]
    users = []
    for i in range(workers):
        email = f"dev{i}@bench.io"
        status, u = c.call("POST", "/v2/users", {"username": f"dev{i}", "email": email, "password": "bench password 123"}, admin)
        assert status == 201, u
        status, login = c.call("POST", "/auth/login", {"email": email, "password": "bench password 123"}, project)
        assert status == 200, login
        bearer = dict(project, authorization="Bearer " + login["token"])
        key = ec.generate_private_key(ec.SECP256R1())
        pub = base64.b64encode(key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
        fp = f"bench-device-{i}"
        status, ch = c.call("POST", "/auth/biometric/register/challenge", {
            "deviceFingerprint": fp, "deviceName": "bench", "deviceType": "mobile", "keyAlgorithm": "ES256", "publicKey": pub}, bearer)
        assert status == 200, ch
        sig = base64.b64encode(key.sign(ch["challenge"].encode(), ec.ECDSA(hashes.SHA256()))).decode()
        status, v = c.call("POST", "/auth/biometric/register/verify", {"sessionId": ch["sessionId"], "signedChallenge": sig}, bearer)
        assert status == 200, v
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
        passkey_pem, credential_id, rp_id = register_passkey(c, bearer, origin)
        users.append({"project": project, "bearer": bearer, "fingerprint": fp, "deviceId": v["deviceId"], "pem": pem,
                      "email": email, "passkeyPem": passkey_pem, "credentialId": credential_id, "rpId": rp_id, "origin": origin})
    return users


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("system_key")
    p.add_argument("out")
    p.add_argument("--users", type=int, default=8)
    a = p.parse_args()
    users = setup(a.base, a.system_key, a.users)
    with open(a.out, "w") as f:
        json.dump([{"projectKey": u["project"]["x-project-key"], "token": u["bearer"]["authorization"][7:],
                    "fingerprint": u["fingerprint"], "deviceId": u["deviceId"], "pem": u["pem"], "email": u["email"],
                    "passkeyPem": u["passkeyPem"], "credentialId": u["credentialId"], "rpId": u["rpId"],
                    "origin": u["origin"]} for u in users], f)


if __name__ == "__main__":
    main()
