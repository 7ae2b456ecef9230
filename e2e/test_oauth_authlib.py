"""The OAuth 2.0 endpoints driven by Authlib's requests client (a client we did not write): discovery,
client_credentials with both secret methods, introspection (RFC 7662) of every kind of token the tenant
issues, and revocation (RFC 7009). Issue 13."""
import json
import os
import subprocess
import sys
import tempfile

import requests
from authlib.integrations.requests_client import OAuth2Session

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
    assert meta["grant_types_supported"] == ["client_credentials"]

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
