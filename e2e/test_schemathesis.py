"""Schema fuzzing (issue 11, first step): schemathesis generates requests for every operation of the served
/openapi.yaml and sends them to the live server (loopback only), as a tenant admin and as a signed-in
user. Check: no server error for anything a client sends. Bounded and seeded so CI stays within budget;
`GATEHOUSE_FUZZ_EXAMPLES` raises the number of examples per operation for a longer local campaign."""
import os
import subprocess
import sys

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")


def fuzz(server, headers):
    args = [SCHEMATHESIS, "run", server.base + "/openapi.yaml", "--url", server.base,
            "--checks", "not_a_server_error", "--phases", "coverage,fuzzing",
            "--max-examples", os.environ.get("GATEHOUSE_FUZZ_EXAMPLES", "8"), "--seed", "20261202",
            "--request-timeout", "10", "--workers", "2", "--no-color"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "generated" in run.stdout, run.stdout[-2000:]


def test_every_operation_as_a_tenant_admin(server):
    tenant = server.tenant("Fuzzed admin")
    fuzz(server, {"authorization": "Bearer " + tenant["jwt"], "x-project-key": tenant["projectApiKey"]})


def test_every_operation_as_a_signed_in_user(server):
    tenant = server.tenant("Fuzzed user")
    token = server.user_token(tenant, "fuzz.user@example.com")
    fuzz(server, {"authorization": "Bearer " + token, "x-project-key": tenant["projectApiKey"]})
