"""Issue 16, item 2: two `gatehouse serve` processes on different ports share one PostgreSQL (a private
cluster) and behave as one server: 50 concurrent refreshes of one token split across both yield exactly
one successor and no 5xx; a session logged out on A is refused on B at once; the brute-force lock reached
on A holds on B; a key rotated on A signs and is published by B within 5 s; with both nodes sending, each
webhook delivery reaches the loopback receiver once. Runs where PostgreSQL is installed
(GATEHOUSE_TEST_POSTGRES_URL set)."""
import base64
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import SYSTEM_KEY, free_port, gatehouse_binary, start_node, stop_node
from pg_cluster import Cluster, request

pytestmark = pytest.mark.skipif(not os.environ.get("GATEHOUSE_TEST_POSTGRES_URL"),
                                reason="needs PostgreSQL (GATEHOUSE_TEST_POSTGRES_URL names one)")

KEY_PROPAGATION = 5.0  # the README's bound for a rotated key to be used and published by every node
MASTER_KEY = base64.b64encode(bytes(range(32))).decode()
PASSWORD = "correct horse battery"


class Receiver(http.server.BaseHTTPRequestHandler):
    arrivals = []
    lock = threading.Lock()

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["content-length"]))
        with Receiver.lock:
            Receiver.arrivals.append((self.headers["Gatehouse-Event-Id"], json.loads(raw)["type"]))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def kid(jwt):
    header = jwt.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


@pytest.fixture
def nodes():
    binary = gatehouse_binary()
    cluster = Cluster()
    folders, started = [], []
    # Behind one load balancer the nodes share one public URL: it is the tokens' issuer.
    public_url = f"http://localhost:{free_port()}"
    try:
        for name in ("a", "b"):
            data = tempfile.mkdtemp(prefix=f"gatehouse-node-{name}-")
            folders.append(data)
            port = free_port()
            env = dict(os.environ, GATEHOUSE_DATA_DIR=data, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY,
                       GATEHOUSE_DATABASE_URL=cluster.url, GATEHOUSE_MASTER_KEY=MASTER_KEY, GATEHOUSE_PUBLIC_URL=public_url, GATEHOUSE_BCRYPT_COST="10",
                       GATEHOUSE_LOG_LEVEL="warning", GATEHOUSE_LOGIN_ACCOUNT_LIMIT="3",
                       GATEHOUSE_WEBHOOK_ALLOW_PRIVATE="true", GATEHOUSE_WEBHOOK_DISPATCH="true")
            proc, log = start_node(binary, env)
            started.append((proc, log, f"http://127.0.0.1:{port}"))
        yield [base for *_, base in started]
        for proc, *_ in started:
            assert proc.poll() is None, "no node died"
    finally:
        for proc, log, _ in started:
            stop_node(proc, log)
        for data in folders:
            shutil.rmtree(data, ignore_errors=True)
        cluster.remove()


def test_two_processes_on_one_postgres_behave_as_one_server(nodes):
    a, b = nodes
    status, _, tenant, _ = request(a, "POST", "/v2/tenants", {"projectName": "Two Nodes"}, {"x-api-key": SYSTEM_KEY})
    assert status == 201, tenant
    project = {"x-project-key": tenant["projectApiKey"]}
    admin = dict(project, authorization="Bearer " + tenant["jwt"])
    for name in ("jane", "john"):
        status, _, user, _ = request(b, "POST", "/v2/users", {"username": name, "email": f"{name}@example.com", "password": PASSWORD}, admin)
        assert status == 201, user

    def login(base, username="jane", password=PASSWORD):
        return request(base, "POST", "/api/v1/auth/login", {"username": username, "password": password}, project)

    # One refresh token, 50 concurrent refreshes alternating between the nodes: one successor, no 5xx.
    status, _, session, _ = login(a)
    assert status == 200, session
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(
            lambda i: request((a, b)[i % 2], "POST", "/api/v1/auth/refresh", {"refreshToken": session["refreshToken"]}, project),
            range(50)))
    assert all(s < 500 for s, *_ in answers), [s for s, *_ in answers]
    successors = {body["refreshToken"] for s, _, body, _ in answers if s == 200}
    assert len(successors) == 1 and all(s == 200 for s, *_ in answers), [(s, body) for s, _, body, _ in answers if s != 200][:3]

    # Logged out on A, refused on B at once.
    status, _, verdict, _ = request(b, "POST", "/v2/auth/verify", {"authToken": session["token"]}, project)
    assert status == 200 and verdict["valid"] is True, verdict
    assert request(a, "POST", "/api/v1/auth/logout", None, dict(project, authorization="Bearer " + session["token"]))[0] in (200, 204)
    status, _, verdict, _ = request(b, "POST", "/v2/auth/verify", {"authToken": session["token"]}, project)
    assert status == 200 and verdict["valid"] is False, verdict

    # The lock reached on A (three wrong passwords) holds on B, even for the right password.
    for _ in range(3):
        assert login(a, "john", "wrong password")[0] == 401
    status, headers, body, _ = login(b, "john")
    assert status == 429 and headers.get("Retry-After"), (status, body)

    # A key rotated on A signs B's next tokens and is in B's JWKS within the bound.
    before = kid(login(b)[2]["token"])
    status, _, rotated, _ = request(a, "POST", "/v2/keys/rotate", None, admin)
    assert status in (200, 201), rotated
    assert kid(login(a)[2]["token"]) != before
    new_kid = kid(login(a)[2]["token"])
    deadline = time.monotonic() + KEY_PROPAGATION + 1
    while True:
        jwks = request(b, "GET", f"/t/{tenant['id']}/.well-known/jwks.json")[2]
        signed = kid(login(b)[2]["token"])
        if signed == new_kid and new_kid in {k["kid"] for k in jwks["keys"]}:
            break
        assert time.monotonic() < deadline, f"B still signs with {signed} and publishes {[k['kid'] for k in jwks['keys']]}"
        time.sleep(0.25)

    # Both nodes send webhook deliveries: each event reaches the receiver once.
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        status, _, hook, _ = request(a, "POST", "/v2/webhooks",
                                     {"url": f"http://127.0.0.1:{httpd.server_address[1]}/hook", "events": ["user.created"]}, admin)
        assert status == 201, hook
        for i in range(20):
            assert request((a, b)[i % 2], "POST", "/v2/users",
                           {"username": f"u{i}", "email": f"u{i}@example.com", "password": PASSWORD}, admin)[0] == 201
        deadline = time.monotonic() + 30
        while len(Receiver.arrivals) < 20 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # both dispatchers poll again: nothing may come twice
        ids = [event_id for event_id, _ in Receiver.arrivals]
        assert len(ids) == 20 and len(set(ids)) == 20, f"{len(ids)} arrivals of {len(set(ids))} events"
        assert {t for _, t in Receiver.arrivals} == {"user.created"}
    finally:
        httpd.shutdown()
