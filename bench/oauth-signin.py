"""Sets up the code-flow bench (issue 14): a tenant, a user, a first-party confidential client, and a browser
signed in through the hosted page's real form. Prints shell assignments: TID CID SECRET COOKIE AUTHORIZE
VERIFIER REDIRECT. Standard library only; loopback only.

usage: python3 oauth-signin.py BASE SYSTEM_KEY"""
import base64
import hashlib
import http.client
import json
import os
import re
import shlex
import sys
import urllib.parse

base, system_key = sys.argv[1], sys.argv[2]
url = urllib.parse.urlsplit(base)


def call(method, path, body=None, headers=None, form=False):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = dict(headers or {})
    if body is not None:
        headers["content-type"] = "application/x-www-form-urlencoded" if form else "application/json"
        body = urllib.parse.urlencode(body) if form else json.dumps(body)
    connection.request(method, path, body, headers)
    response = connection.getresponse()
    return response.status, response.getheaders(), response.read().decode()


status, _, text = call("POST", "/v2/tenants", {"projectName": "Code bench"}, {"x-api-key": system_key})
assert status == 201, text
tenant = json.loads(text)
admin = {"authorization": "Bearer " + tenant["jwt"]}
status, _, text = call("POST", "/v2/users", {"username": "bench", "email": "bench@example.com",
                                             "password": "correct horse battery"}, admin)
assert status == 201, text
redirect = "http://127.0.0.1:9/callback"
status, _, text = call("POST", "/v2/oauth-clients", {
    "name": "Bench app", "redirectUris": [redirect], "grantTypes": ["authorization_code", "refresh_token"],
    "scopes": ["openid", "email", "profile"], "firstParty": True,
    "idTokenSignedResponseAlg": os.environ.get("ID_TOKEN_ALG", "RS256")}, admin)
assert status == 201, text
client = json.loads(text)

verifier = base64.urlsafe_b64encode(hashlib.sha256(b"gatehouse bench verifier").digest()).decode().rstrip("=") * 2
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
issuer = "/t/" + tenant["id"]
authorize = issuer + "/oauth2/authorize?" + urllib.parse.urlencode({
    "response_type": "code", "client_id": client["clientId"], "redirect_uri": redirect, "scope": "openid email",
    "state": "bench", "nonce": "bench-nonce", "code_challenge": challenge, "code_challenge_method": "S256"})

status, headers, page = call("GET", authorize)
assert status == 200, page
cookies = {}
for name, value in headers:
    if name.lower() == "set-cookie":
        pair = value.split(";", 1)[0].split("=", 1)
        cookies[pair[0]] = pair[1]
hidden = dict(re.findall(r'name="(csrf|request)" value="([^"]*)"', page))
status, headers, text = call("POST", issuer + "/oauth2/login", {
    "csrf": hidden["csrf"], "request": hidden["request"], "login": "bench", "password": "correct horse battery"},
    {"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}, form=True)
assert status == 303, (status, text)
for name, value in headers:
    if name.lower() == "set-cookie":
        pair = value.split(";", 1)[0].split("=", 1)
        cookies[pair[0]] = pair[1]
sso = {k: v for k, v in cookies.items() if "gh-sso-" in k}
assert sso, cookies

for key, value in [("TID", tenant["id"]), ("CID", client["clientId"]), ("SECRET", client["clientSecret"]),
                   ("COOKIE", "; ".join(f"{k}={v}" for k, v in sso.items())), ("AUTHORIZE", authorize),
                   ("VERIFIER", verifier), ("REDIRECT", redirect)]:
    print(f"{key}={shlex.quote(value)}")
