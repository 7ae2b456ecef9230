"""The hosted sign-in pages in a real browser (issue 14): headless Chromium follows /oauth2/authorize, types
into the sign-in, two-step and consent pages, and lands on the client's redirect URI (a page server on
another loopback origin) with a code the test exchanges; a second client then signs in without a password
(single sign-on). Screenshots of the pages go to $GATEHOUSE_E2E_OUTPUT (default .e2e-output/)."""
import base64
import hashlib
import os
import secrets
import time
import urllib.parse

import pyotp
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import BROWSER_TIMEOUT, ROOT

OUTPUT = os.environ.get("GATEHOUSE_E2E_OUTPUT", os.path.join(ROOT, ".e2e-output"))


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def shot(browser, name):
    os.makedirs(OUTPUT, exist_ok=True)
    browser.save_screenshot(os.path.join(OUTPUT, name + ".png"))


def client(server, tenant, name, redirect, first_party):
    status, c = server.call("POST", "/v2/oauth-clients", {
        "name": name, "redirectUris": [redirect], "grantTypes": ["authorization_code", "refresh_token"],
        "scopes": ["openid", "profile", "email"], "firstParty": first_party},
        {"authorization": "Bearer " + tenant["jwt"]})
    assert status == 201, c
    return c


def authorize(browser, issuer, c, redirect):
    verifier, challenge = pkce()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": c["clientId"], "redirect_uri": redirect, "scope": "openid email",
        "state": "s-" + secrets.token_hex(4), "nonce": secrets.token_hex(8), "code_challenge": challenge,
        "code_challenge_method": "S256"})
    browser.get(f"{issuer}/oauth2/authorize?{query}")
    return verifier


def landed(browser, redirect):
    """Waits for the browser to reach the client's redirect URI; returns its query."""
    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda b: b.current_url.startswith(redirect))
    return urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)


def exchange(issuer, c, code, verifier, redirect):
    r = requests.post(f"{issuer}/oauth2/token", auth=(c["clientId"], c["clientSecret"]), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": redirect})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_browser_signs_in_with_password_totp_and_consent_then_single_sign_on(server, browser, page_port):
    tenant = server.tenant("Browser Sign-in Co")
    admin = {"authorization": "Bearer " + tenant["jwt"], "x-project-key": tenant["projectApiKey"]}
    key = {"x-project-key": tenant["projectApiKey"]}
    status, _ = server.call("POST", "/v2/users", {"username": "dana", "email": "dana@example.com",
                                                   "password": "correct horse battery"}, admin)
    assert status == 201
    # Dana enrols TOTP through the Enterprise API (the tenant requires a second factor).
    assert server.call("PUT", "/v2/tenants", {"requireMfa": True}, admin)[0] == 200
    status, login = server.call("POST", "/auth/login", {"email": "dana@example.com", "password": "correct horse battery"}, key)
    assert status == 200 and login["registerOtp"] is True, login
    pending = {"authorization": "Bearer " + login["token"], **key}
    status, setup = server.call("POST", "/auth/otp/setup", None, pending)
    assert status == 200, setup
    totp = pyotp.TOTP(setup["secret"])
    assert server.call("POST", "/auth/otp/verify", {"otp": totp.now()}, pending)[0] == 200

    issuer = server.origin + "/t/" + tenant["id"]  # the public URL's origin: the pages' cookies live there
    redirect = f"http://127.0.0.1:{page_port}/callback"
    planner = client(server, tenant, "Planner", redirect, first_party=False)
    portal = client(server, tenant, "Staff portal", redirect, first_party=True)

    verifier = authorize(browser, issuer, planner, redirect)
    assert "Sign in to Browser Sign-in Co" in browser.page_source
    shot(browser, "login")
    browser.find_element(By.ID, "login").send_keys("dana")
    browser.find_element(By.ID, "password").send_keys("not the password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = browser.find_element(By.ID, "form-error")
    assert "not right" in error.text and browser.find_element(By.ID, "login").get_attribute("aria-invalid") == "true"
    shot(browser, "login-error")
    assert browser.switch_to.active_element.get_attribute("id") == "password", "the login is kept; the password has the focus"
    browser.find_element(By.ID, "password").send_keys("correct horse battery")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda b: "Two-step verification" in b.page_source)
    shot(browser, "totp")
    # The enrolment's code is spent: the next step's code (the server accepts one step of drift).
    browser.find_element(By.ID, "code").send_keys(totp.at(time.time() + 30))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda b: "Allow Planner?" in b.page_source)
    assert "See your email address" in browser.page_source
    shot(browser, "consent")
    browser.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    query = landed(browser, redirect)
    assert query["iss"] == [issuer]
    tokens = exchange(issuer, planner, query["code"][0], verifier, redirect)
    assert tokens["id_token"] and tokens["access_token"]

    # Single sign-on: the staff portal (first party, no consent) gets its code without a password.
    verifier = authorize(browser, issuer, portal, redirect)
    query = landed(browser, redirect)
    tokens = exchange(issuer, portal, query["code"][0], verifier, redirect)
    claims = tokens["id_token"].split(".")[1]
    claims = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4))
    assert b'"amr":["pwd","otp"]' in claims


def test_a_user_who_must_enrol_scans_the_pages_qr_code_and_signs_in(server, browser, page_port):
    """The tenant requires a second factor and Eli has none: the page offers a secret as a QR code and as a
    key. A decoder we did not write (zxing-cpp) reads the QR code from the browser's screenshot; its otpauth
    URI must carry the key the page shows, and a code from it signs Eli in."""
    import io

    import zxingcpp
    from PIL import Image

    tenant = server.tenant("Enrol On The Page Ltd")
    admin = {"authorization": "Bearer " + tenant["jwt"], "x-project-key": tenant["projectApiKey"]}
    assert server.call("POST", "/v2/users", {"username": "eli", "email": "eli@example.com",
                                              "password": "correct horse battery"}, admin)[0] == 201
    assert server.call("PUT", "/v2/tenants", {"requireMfa": True}, admin)[0] == 200
    issuer = server.origin + "/t/" + tenant["id"]
    redirect = f"http://127.0.0.1:{page_port}/callback"
    portal = client(server, tenant, "Staff portal", redirect, first_party=True)

    browser.delete_all_cookies()
    verifier = authorize(browser, issuer, portal, redirect)
    browser.find_element(By.ID, "login").send_keys("eli")
    browser.find_element(By.ID, "password").send_keys("correct horse battery")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda b: "Set up two-step verification" in b.page_source)
    shot(browser, "enrol")

    png = browser.find_element(By.CSS_SELECTOR, ".qr").screenshot_as_png
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode, found
    uri = found[0].text
    assert uri.startswith("otpauth://totp/"), uri
    totp = pyotp.parse_uri(uri)
    shown = browser.find_element(By.ID, "secret").text.replace(" ", "")
    assert totp.secret == shown and totp.issuer == "Enrol On The Page Ltd"

    browser.find_element(By.ID, "code").send_keys("000000")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda b: b.find_elements(By.ID, "form-error"))
    assert browser.find_element(By.ID, "secret").text.replace(" ", "") == shown, "a wrong code keeps the same secret"
    assert browser.find_element(By.ID, "code").get_attribute("aria-invalid") == "true"
    browser.find_element(By.ID, "code").send_keys(totp.now())
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    query = landed(browser, redirect)
    tokens = exchange(issuer, portal, query["code"][0], verifier, redirect)
    claims = tokens["id_token"].split(".")[1]
    claims = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4))
    assert b'"amr":["pwd","otp"]' in claims
    # Enrolled: the Enterprise login now asks for a code, not for enrolment.
    status, login = server.call("POST", "/auth/login", {"email": "eli@example.com", "password": "correct horse battery"},
                                {"x-project-key": tenant["projectApiKey"]})
    assert status == 200 and login["registerOtp"] is False, login


def test_a_browser_signs_in_with_a_passkey_through_a_virtual_authenticator(server, browser, page_port):
    """Chrome's virtual authenticator holds a passkey registered through the Enterprise API (by soft-webauthn,
    whose key is then loaded into the authenticator): the page's button runs navigator.credentials.get and
    posts the answer, and the browser lands on the client with a code the test exchanges."""
    from cryptography.hazmat.primitives import serialization
    from selenium.webdriver.common.virtual_authenticator import Credential, VirtualAuthenticatorOptions
    from soft_webauthn import SoftWebauthnDevice

    from conftest import load_script

    passkey = load_script("demo-passkey.py")
    tenant = server.tenant("Passkey Page Co")
    project = {"x-project-key": tenant["projectApiKey"]}
    bearer = dict(project, authorization="Bearer " + server.user_token(tenant, "fay@example.com"))
    device = SoftWebauthnDevice()
    status, start = server.call("POST", "/auth/webauthn/register/start", {"name": "laptop"}, bearer)
    assert status == 200, start
    credential = device.create(passkey.creation_options(start["publicKey"]), server.origin)
    status, done = server.call("POST", "/auth/webauthn/register/finish",
                               {"sessionId": start["sessionId"], "response": passkey.registration_json(credential)}, bearer)
    assert status == 200, done

    options = VirtualAuthenticatorOptions(protocol="ctap2", transport="internal", has_resident_key=True,
                                          has_user_verification=True, is_user_verified=True)
    browser.add_virtual_authenticator(options)
    try:
        pkcs8 = device.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption())
        browser.add_credential(Credential.create_resident_credential(
            device.credential_id, "localhost", base64.urlsafe_b64decode(start["publicKey"]["user"]["id"] + "=="), pkcs8,
            device.sign_count))

        issuer = server.origin + "/t/" + tenant["id"]
        redirect = f"http://127.0.0.1:{page_port}/callback"
        portal = client(server, tenant, "Staff portal", redirect, first_party=True)
        browser.delete_all_cookies()
        verifier = authorize(browser, issuer, portal, redirect)
        button = WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda b: b.find_element(By.ID, "passkey-button"))
        assert button.is_displayed(), "the page's script shows the button where WebAuthn is available"
        shot(browser, "login-passkey")
        button.click()
        query = landed(browser, redirect)
        tokens = exchange(issuer, portal, query["code"][0], verifier, redirect)
        claims = tokens["id_token"].split(".")[1]
        claims = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4))
        assert b'"amr":["webauthn"]' in claims
        # The authenticator signed: its counter moved past the registration's.
        assert browser.get_credentials()[0].sign_count > device.sign_count
    finally:
        browser.remove_virtual_authenticator()
