"""The OAuth 2.0 / OpenID Connect endpoints driven by Authlib's requests client (a client we did not
write): discovery, client_credentials with both secret methods, introspection (RFC 7662) of every kind of
token the tenant issues, and revocation (RFC 7009) — issue 13; the code flow with PKCE through the hosted
page's real forms, the ID token checked against the JWKS (nonce, at_hash), refresh, userinfo and single
sign-on — issue 14."""
import json
import os
import re
import subprocess
import sys
import tempfile
from urllib.parse import urljoin

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

from conftest import ROOT


def project_token(server, tenant):
    """An access token of the Project dialect: a demo IdP's token exchanged at /v2/auth/token."""
    idp = os.path.join(ROOT, "scripts", "demo-idp.py")
    with tempfile.TemporaryDirectory() as folder:
        key = os.path.join(folder, "idp.pem")
        subprocess.run([sys.executable, idp, "keygen", key], check=True)
        jwks = subprocess.check_output([sys.executable, idp, "jwks", key], text=True)
        token = subprocess.check_output(
            [sys.executable, idp, "token", key, "--iss", "https://idp.example.com", "--sub", "alice", "--aud", "acme"], text=True).strip()
    admin = {"authorization": "Bearer " + tenant["jwt"]}
    status, provider = server.call("POST", "/v2/identity-providers",
                                   {"issuer": "https://idp.example.com", "audience": "acme", "jwks": json.loads(jwks)}, admin)
    assert status == 201, provider
    status, pair = server.call("POST", "/v2/auth/token", {"authToken": token}, {"x-project-key": tenant["projectApiKey"]})
    assert status == 200, pair
    return pair


def test_authlib_client_credentials_introspection_revocation_and_discovery(server):
    tenant = server.tenant("OAuth Co")
    admin = {"authorization": "Bearer " + tenant["jwt"]}
    clients = {}
    for method in ("client_secret_basic", "client_secret_post"):
        status, c = server.call("POST", "/v2/oauth-clients", {
            "name": method, "grantTypes": ["client_credentials"], "scopes": ["read", "write"],
            "tokenEndpointAuthMethod": method}, admin)
        assert status == 201, c
        clients[method] = c

    meta = requests.get(f"{server.base}/t/{tenant['id']}/.well-known/oauth-authorization-server", timeout=10).json()
    assert meta["issuer"].endswith("/t/" + tenant["id"])
    assert "client_credentials" in meta["grant_types_supported"]

    sessions = {}
    for method, c in clients.items():
        session = OAuth2Session(c["clientId"], c["clientSecret"], token_endpoint_auth_method=method, scope="read")
        token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and token["scope"] == "read" and token["expires_in"] == 900
        sessions[method] = (session, token["access_token"])

    session, access = sessions["client_secret_basic"]
    # Every kind of token the tenant issues, introspected by a confidential client.
    pair = project_token(server, tenant)
    enterprise = server.user_token(tenant, "bob@example.com")
    status, classic = server.call("POST", "/api/v1/auth/login", {"username": "bob", "password": "correct horse battery"},
                                  {"x-project-key": tenant["projectApiKey"]})
    assert status == 200, classic
    kinds = {
        "client credentials": (access, "Bearer"),
        "project access": (pair["accessToken"], "Bearer"),
        "project refresh": (pair["refreshToken"], "refresh_token"),
        "classic access": (classic["token"], "Bearer"),
        "classic refresh": (classic["refreshToken"], "refresh_token"),
        "enterprise access": (enterprise, "Bearer"),
    }
    for kind, (token, token_type) in kinds.items():
        answer = session.introspect_token(meta["introspection_endpoint"], token=token).json()
        assert answer["active"] is True, (kind, answer)
        assert answer["token_type"] == token_type, (kind, answer)
        assert answer["iss"] == meta["issuer"], (kind, answer)

    # Revocation of the client's own token; introspection then says inactive, and only that.
    assert session.revoke_token(meta["revocation_endpoint"], token=access).status_code == 200
    assert session.introspect_token(meta["introspection_endpoint"], token=access).json() == {"active": False}
    # The other client's token is untouched by this one's revocation request.
    other_session, other_access = sessions["client_secret_post"]
    assert session.revoke_token(meta["revocation_endpoint"], token=other_access).status_code == 200
    assert other_session.introspect_token(meta["introspection_endpoint"], token=other_access).json()["active"] is True


def hidden(html, name):
    match = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    assert match, (name, html[:500])
    return match.group(1)


def submit(browser, page, fields):
    """Posts the page's form as a browser would: its action (against the page's own origin, whose cookies
    carry the CSRF token), its hidden fields, and what the user typed."""
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    data = {name: hidden(page.text, name) for name in ("csrf", "request")}
    data.update(fields)
    return browser.post(urljoin(page.url, action), data=data, allow_redirects=False, timeout=10)


def test_authlib_code_flow_through_the_hosted_page(server):
    tenant = server.tenant("Code Co")
    admin = {"authorization": "Bearer " + tenant["jwt"]}
    status, _ = server.call("POST", "/v2/users", {"username": "carol", "email": "carol@example.com",
                                                   "password": "correct horse battery"}, admin)
    assert status == 201
    redirect = "http://127.0.0.1:9/callback"  # loopback http is allowed; the browser never follows it here
    status, c = server.call("POST", "/v2/oauth-clients", {
        "name": "Carol's planner", "redirectUris": [redirect], "grantTypes": ["authorization_code", "refresh_token"],
        "scopes": ["openid", "profile", "email", "offline_access"]}, admin)
    assert status == 201, c
    meta = requests.get(f"{server.base}/t/{tenant['id']}/.well-known/openid-configuration", timeout=10).json()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["authorization_response_iss_parameter_supported"] is True

    client = OAuth2Session(c["clientId"], c["clientSecret"], scope="openid email profile offline_access",
                           redirect_uri=redirect, code_challenge_method="S256")
    verifier, nonce = generate_token(48), generate_token(20)
    uri, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)

    browser = requests.Session()
    page = browser.get(uri, allow_redirects=False, timeout=10)
    assert page.status_code == 200 and "Sign in to Code Co" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    consent = submit(browser, page, {"login": "carol", "password": "correct horse battery"})
    assert consent.status_code == 200 and "Allow Carol" in consent.text, re.findall(r"<p[^>]*>[^<]*</p>", consent.text)
    back = submit(browser, consent, {"decision": "allow"})
    assert back.status_code == 303
    location = back.headers["location"]
    assert location.startswith(redirect + "?") and f"state={state}" in location
    assert "iss=" + requests.utils.quote(meta["issuer"], safe="") in location

    token = client.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)
    assert token["token_type"] == "Bearer" and token["refresh_token"] and token["scope"] == "openid email profile offline_access"
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    claims = jwt.decode(token["id_token"], keys, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
                        claims_params={"nonce": nonce, "client_id": c["clientId"], "access_token": token["access_token"]})
    claims.validate()  # signature (RS256), iss, aud, exp, iat, nonce, at_hash
    assert claims["email"] == "carol@example.com" and claims["amr"] == ["pwd"]

    info = client.get(meta["userinfo_endpoint"], timeout=10).json()
    assert info["sub"] == claims["sub"] and info["preferred_username"] == "carol"
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"] and refreshed["refresh_token"] != token["refresh_token"]

    # Single sign-on: the browser's session cookie, the consent remembered: straight back with a code.
    uri2, state2 = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    again = browser.get(uri2, allow_redirects=False, timeout=10)
    assert again.status_code == 302 and "code=" in again.headers["location"] and f"state={state2}" in again.headers["location"]

    # Revoking the refresh token ends the session: its access token is inactive from then on.
    backoffice = {"authorization": "Bearer " + tenant["apiPrivateKey"]}
    assert requests.post(meta["revocation_endpoint"], data={"token": refreshed["refresh_token"]}, headers=backoffice,
                         timeout=10).status_code == 200
    answer = requests.post(meta["introspection_endpoint"], data={"token": refreshed["access_token"]}, headers=backoffice,
                           timeout=10).json()
    assert answer == {"active": False}
