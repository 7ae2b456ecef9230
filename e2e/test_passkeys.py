"""Passkey registration and login driven by soft-webauthn (a software authenticator we did not write, on
python-fido2's CBOR and COSE code) through the W3C JSON options and responses of the running server."""
from conftest import load_script

from soft_webauthn import SoftWebauthnDevice

# The walk-through's software passkey (scripts/demo-passkey.py) holds the W3C JSON conversions.
passkey = load_script("demo-passkey.py")
b64url, unb64url = passkey.b64url, passkey.unb64url
creation_options, request_options = passkey.creation_options, passkey.request_options
registration_json, assertion_json = passkey.registration_json, passkey.assertion_json


def test_register_then_log_in_with_and_without_email(server):
    tenant = server.tenant("Passkey Co")
    project = {"x-project-key": tenant["projectApiKey"]}
    bearer = dict(project, authorization="Bearer " + server.user_token(tenant, "passkey@example.com"))
    device = SoftWebauthnDevice()

    status, start = server.call("POST", "/auth/webauthn/register/start", {"name": "soft-webauthn"}, bearer)
    assert status == 200, start
    assert start["publicKey"]["rp"]["id"] == "localhost"
    credential = device.create(creation_options(start["publicKey"]), server.origin)
    status, done = server.call("POST", "/auth/webauthn/register/finish",
                               {"sessionId": start["sessionId"], "response": registration_json(credential)}, bearer)
    assert status == 200, done
    assert done["success"] is True and done["credentialId"] == b64url(credential["rawId"])

    status, check = server.call("POST", "/auth/webauthn/check", {"email": "passkey@example.com"}, project)
    assert status == 200 and check == {"hasPasskeys": True}

    # Login naming the user.
    status, login = server.call("POST", "/auth/webauthn/login/start", {"email": "passkey@example.com"}, project)
    assert status == 200, login
    assert [c["id"] for c in login["publicKey"]["allowCredentials"]] == [b64url(credential["rawId"])]
    assertion = device.get(request_options(login["publicKey"]), server.origin)
    status, ok = server.call("POST", "/auth/webauthn/login/finish",
                             {"sessionId": login["sessionId"], "response": assertion_json(assertion)}, project)
    assert status == 200, ok
    assert ok["success"] is True and ok["tokens"]["accessToken"]

    # The same assertion again: the ceremony is spent.
    status, replay = server.call("POST", "/auth/webauthn/login/finish",
                                 {"sessionId": login["sessionId"], "response": assertion_json(assertion)}, project)
    assert status == 401, replay

    # A discoverable-credential login: no email, the user found by userHandle.
    status, login2 = server.call("POST", "/auth/webauthn/login/start", {}, project)
    assert status == 200 and login2["publicKey"]["allowCredentials"] == []
    assertion2 = device.get(request_options(login2["publicKey"]), server.origin)
    status, ok2 = server.call("POST", "/auth/webauthn/login/finish",
                              {"sessionId": login2["sessionId"], "response": assertion_json(assertion2), "rememberMe": True}, project)
    assert status == 200, ok2

    # An assertion made for another origin is refused.
    status, login3 = server.call("POST", "/auth/webauthn/login/start", {"email": "passkey@example.com"}, project)
    wrong = device.get(request_options(login3["publicKey"]), "https://evil.example")
    status, refused = server.call("POST", "/auth/webauthn/login/finish",
                                  {"sessionId": login3["sessionId"], "response": assertion_json(wrong)}, project)
    assert status == 401, refused

    status, listed = server.call("GET", "/auth/webauthn/credentials", headers=bearer)
    assert status == 200 and listed["credentials"][0]["name"] == "soft-webauthn"
