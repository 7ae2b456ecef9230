"""Issue 15, item 4: a webhook delivery survives `kill -9` between commit and send. The receiver is a real
loopback HTTP server that checks each POST with the README's own verification snippet; the first POST is
held unanswered while the server is killed, and the restarted server (same data folder) sends the event
again once the dead node's lease lapses: exactly one 2xx, then nothing more."""
import http.server
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time

from conftest import ROOT, SYSTEM_KEY, Server, free_port, start_node, stop_node

TIMEOUT = int(os.environ.get("GATEHOUSE_E2E_WEBHOOK_TIMEOUT", "2"))


def readme_verify():
    """The README's receiver snippet, run as written."""
    text = open(os.path.join(ROOT, "README.md")).read()
    code = re.search(r"```python\n(import hashlib, hmac, time\n.*?)```", text, re.S).group(1)
    scope = {}
    exec(code, scope)
    return scope["verify"]


class Receiver(http.server.BaseHTTPRequestHandler):
    secret = None
    verify = None
    arrivals = []  # (event id, signature verified)
    hold_first = threading.Event()
    released = threading.Event()

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["content-length"]))
        ok = Receiver.verify(Receiver.secret, self.headers["Gatehouse-Signature"], raw)
        Receiver.arrivals.append((self.headers["Gatehouse-Event-Id"], ok, json.loads(raw)["type"]))
        if len(Receiver.arrivals) == 1:
            Receiver.hold_first.set()
            Receiver.released.wait(60)  # never answered while its sender dies
            return
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_delivery_killed_in_flight_is_sent_after_restart_exactly_once(server):
    Receiver.verify = readme_verify()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    data = tempfile.mkdtemp(prefix="gatehouse-e2e-webhook-")
    port = free_port()
    env = dict(os.environ, GATEHOUSE_DATA_DIR=data, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY,
               GATEHOUSE_BCRYPT_COST="10", GATEHOUSE_LOG_LEVEL="warning", GATEHOUSE_WEBHOOK_ALLOW_PRIVATE="true",
               GATEHOUSE_WEBHOOK_TIMEOUT=str(TIMEOUT))
    env.pop("GATEHOUSE_DATABASE_URL", None)
    gh = Server(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}")
    proc, log = start_node(server.binary, env)
    try:
        tenant = gh.tenant("Webhook Co")
        admin = {"authorization": "Bearer " + tenant["jwt"], "x-project-key": tenant["projectApiKey"]}
        status, hook = gh.call("POST", "/v2/webhooks", {
            "url": f"http://127.0.0.1:{httpd.server_address[1]}/gatehouse", "events": ["user.created"]}, admin)
        assert status == 201, hook
        Receiver.secret = hook["secret"]
        status, user = gh.call("POST", "/v2/users", {"username": "webhooked"}, admin)
        assert status == 201, user
        assert Receiver.hold_first.wait(15), "the committed event was never sent"
        proc.send_signal(signal.SIGKILL)  # mid-send: the delivery is leased, attempted, not acknowledged
        proc.wait(10)
        log.close()
        proc, log = start_node(server.binary, env)
        # The dead node's lease is 2 × timeout + 5 s; the restarted node sends again after it lapses.
        deadline = time.time() + 2 * TIMEOUT + 5 + 15
        while len(Receiver.arrivals) < 2 and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # and nothing more after the 2xx
        ids = [a[0] for a in Receiver.arrivals]
        assert len(ids) == 2 and len(set(ids)) == 1, Receiver.arrivals
        assert all(ok for _, ok, _ in Receiver.arrivals), "every POST verifies with the README's snippet"
        status, deliveries = gh.call("GET", f"/v2/webhooks/{hook['id']}/deliveries", None, admin)
        assert status == 200 and [d["status"] for d in deliveries["data"]] == ["succeeded"], deliveries
        assert deliveries["data"][0]["attempts"] == 2
    finally:
        Receiver.released.set()
        stop_node(proc, log)
        httpd.shutdown()
        shutil.rmtree(data, ignore_errors=True)
