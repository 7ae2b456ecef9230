"""Schema conformance (issue 11): schemathesis generates requests for every operation of the served
/openapi.yaml, which is made from the route table, and sends them to the live server (loopback only) with
each kind of credential: a tenant admin, a signed-in user, a user's API key, the system key, and none.
Each run's tenant holds one of everything (fuzz_world.py) and the templated paths are given its real
identifiers, so the handlers behind `/v2/webhooks/{id}`, `/auth/biometric/devices/{id}` and the rest are
reached, not only their 404; the server's own request counters then show which routes answered 2xx.
Checks: no server error, every status code documented, every content type documented, every response
body valid against its schema. Bounded and seeded so CI stays within budget; `GATEHOUSE_FUZZ_EXAMPLES`,
`GATEHOUSE_FUZZ_MAX_TIME`, `GATEHOUSE_FUZZ_SEED` and `GATEHOUSE_FUZZ_PHASES` make the longer campaign of
bench/fuzz.sh."""
import os
import subprocess
import sys
import urllib.request

import re
from collections import Counter

import pytest

import fuzz_world
from conftest import SYSTEM_KEY

SCHEMATHESIS = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis_cli.py")]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# A longer campaign (bench/fuzz.sh) sets a time budget per credential, another seed and the stateful phase.
MAX_TIME = int(os.environ.get("GATEHOUSE_FUZZ_MAX_TIME", "0"))
SEED = os.environ.get("GATEHOUSE_FUZZ_SEED", "20261202")


def fuzz(server, headers, config):
    args = SCHEMATHESIS + ["--config-file", config, "run", server.base + "/openapi.yaml", "--url", server.base,
            "--checks", CHECKS, "--phases", os.environ.get("GATEHOUSE_FUZZ_PHASES", "coverage,fuzzing"),
            "--max-examples", os.environ.get("GATEHOUSE_FUZZ_EXAMPLES", "8"), "--seed", SEED,
            "--request-timeout", "10", "--workers", "2", "--no-color"]
    if MAX_TIME:
        args += ["--max-time", str(MAX_TIME)]
    # Acts that end the caller's own session would leave the rest of the run with a dead credential; they
    # are fuzzed without one (the "none" run), and their successes are tested in the Swift suites.
    if headers.get("authorization"):
        args += ["--exclude-path", "/api/v1/auth/logout", "--exclude-path", "/auth/sessions/{id}"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=900 + MAX_TIME)
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-2000:]
    assert "generated" in run.stdout, run.stdout[-2000:]


SERIES = re.compile(r'^http_requests_total\{route="([^"]*)",method="([^"]*)",status="(\d+)"\} (\d+)$')


def answered(server):
    """The server's count of answers by (route template, method, status), from its Prometheus text."""
    with urllib.request.urlopen(server.base + "/metrics", timeout=10) as r:
        text = r.read().decode()
    counts = Counter()
    for line in text.splitlines():
        m = SERIES.match(line)
        if m:
            counts[(m.group(1), m.group(2), int(m.group(3)))] += int(m.group(4))
    return counts


def credentials(server, kind):
    tenant = server.tenant("Fuzzed " + kind)
    project = {"x-project-key": tenant["projectApiKey"]}
    bearer, ids = fuzz_world.populate(server, tenant, f"fuzz.{kind}@example.com")
    if kind == "admin":
        return {"authorization": "Bearer " + tenant["jwt"], **project}, ids
    if kind == "system":
        return {"x-api-key": SYSTEM_KEY}, ids
    if kind == "none":
        return project, ids
    if kind == "user":
        return bearer, ids
    status, key = server.call("POST", "/api/v1/auth/keys", {"name": "fuzz"}, bearer)
    assert status == 201, key
    return {"x-api-key": key["apiKey"], **project}, ids


# Routes each credential owns something behind: the run must see a 2xx from each (a read of the thing, or
# its deletion), proof that the fuzzer got past authentication and the lookup into the handler.
REACHED = {
    "admin": {"/v2/businesses/{id}", "/v2/businesses/{id}/memberships", "/v2/identity-providers/{id}",
              "/v2/users/{id}", "/v2/users/{id}/roles", "/v2/roles/{role}", "/v2/oauth-clients/{id}",
              "/v2/api-keys/{keyId}", "/v2/webhooks/{id}", "/v2/webhooks/{id}/deliveries"},
    "user": {"/auth/biometric/devices/{id}", "/auth/confirmations/{id}", "/api/v1/auth/keys/{keyId}",
             "/auth/webauthn/credentials/{id}"},
    "apikey": set(),
    "system": set(),
    "none": set(),
}


@pytest.mark.parametrize("kind", ["admin", "user", "apikey", "system", "none"])
def test_every_operation_conforms(server, kind, tmp_path):
    headers, ids = credentials(server, kind)
    config = tmp_path / "schemathesis.toml"
    config.write_text(fuzz_world.schemathesis_config(ids))
    before = answered(server)
    fuzz(server, headers, str(config))
    delta = answered(server) - before
    # OPTIONS is left out: its 204 (the methods a path allows) says nothing about the handlers.
    succeeded = {route for (route, method, status) in delta if 200 <= status < 300 and method != "OPTIONS"}
    print(kind, "2xx on", sorted(r for r in succeeded if "{" in r))
    assert REACHED[kind] <= succeeded, f"never answered 2xx: {sorted(REACHED[kind] - succeeded)}"
