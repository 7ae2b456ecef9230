"""Issue 16, item 3: `kill -9` of the server during a mixed write load (Classic logins, refresh chains,
action confirmations approved with a device key). After a restart on the same data folder, everything a
client saw answered 2xx is there: each login's session (its access token verifies), each refresh chain's
last token (it refreshes), each approval (the confirmation reads approved), an audit event for each login;
the audit chain verifies and SQLite's integrity check passes. Run on SQLite, and on a private PostgreSQL
where PostgreSQL is installed (GATEHOUSE_TEST_POSTGRES_URL set)."""
import os
import shutil
import signal
import sqlite3
import tempfile
import threading
import time

import pytest

from conftest import SYSTEM_KEY, free_port, gatehouse_binary, start_node, stop_node
from pg_cluster import Cluster, request
from test_device_keys import ES256Device

PASSWORD = "correct horse battery"
LOAD_SECONDS = float(os.environ.get("GATEHOUSE_E2E_KILL_AFTER", "3"))


@pytest.mark.parametrize("store", [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(not os.environ.get("GATEHOUSE_TEST_POSTGRES_URL"),
                                                      reason="needs PostgreSQL (GATEHOUSE_TEST_POSTGRES_URL names one)")),
])
def test_everything_acknowledged_before_a_kill_survives_it(store):
    binary = gatehouse_binary()
    data = tempfile.mkdtemp(prefix="gatehouse-kill-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, GATEHOUSE_DATA_DIR=data, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY,
               GATEHOUSE_BCRYPT_COST="10", GATEHOUSE_LOG_LEVEL="warning", GATEHOUSE_WEBHOOK_DISPATCH="false",
               GATEHOUSE_PUBLIC_URL=f"http://localhost:{port}")
    env.pop("GATEHOUSE_DATABASE_URL", None)
    cluster = Cluster() if store == "postgres" else None
    if cluster:
        env["GATEHOUSE_DATABASE_URL"] = cluster.url
    proc, log = start_node(binary, env)
    try:
        status, _, tenant, _ = request(base, "POST", "/v2/tenants", {"projectName": "Kill Co"}, {"x-api-key": SYSTEM_KEY})
        assert status == 201, tenant
        project = {"x-project-key": tenant["projectApiKey"]}
        admin = dict(project, authorization="Bearer " + tenant["jwt"])
        for i in range(3):
            assert request(base, "POST", "/v2/users", {"username": f"u{i}", "email": f"u{i}@example.com", "password": PASSWORD}, admin)[0] == 201

        # A device for the confirmations, registered by u2.
        status, _, u2, _ = request(base, "POST", "/auth/login", {"email": "u2@example.com", "password": PASSWORD}, project)
        bearer = dict(project, authorization="Bearer " + u2["token"])
        device = ES256Device()
        _, _, c, _ = request(base, "POST", "/auth/biometric/register/challenge", {
            "deviceFingerprint": "kill-phone", "deviceName": "pytest", "deviceType": "mobile",
            "keyAlgorithm": "ES256", "publicKey": device.public_key()}, bearer)
        status, _, registered, _ = request(base, "POST", "/auth/biometric/register/verify",
                                           {"sessionId": c["sessionId"], "signedChallenge": device.sign(c["challenge"])}, bearer)
        assert status == 200, registered

        acked = {"logins": [], "chains": {}, "approvals": []}
        lock = threading.Lock()
        stop = threading.Event()

        def logins():
            while not stop.is_set():
                s, _, body, _ = request(base, "POST", "/api/v1/auth/login", {"username": "u0", "password": PASSWORD}, project, timeout=5)
                if s == 200:
                    with lock:
                        acked["logins"].append(body["token"])

        def chain(name):
            s, _, body, _ = request(base, "POST", "/api/v1/auth/login", {"username": "u1", "password": PASSWORD}, project)
            assert s == 200
            current = body["refreshToken"]
            with lock:
                acked["chains"][name] = current
            while not stop.is_set():
                s, _, body, _ = request(base, "POST", "/api/v1/auth/refresh", {"refreshToken": current}, project, timeout=5)
                if s == 200:
                    current = body["refreshToken"]
                    with lock:
                        acked["chains"][name] = current

        def approvals():
            while not stop.is_set():
                s, _, conf, _ = request(base, "POST", "/auth/confirmations", {"actionType": "pay", "actionPayload": {"n": 1}}, bearer, timeout=5)
                if s != 201:
                    continue
                s, _, _, _ = request(base, "POST", f"/auth/confirmations/{conf['confirmationId']}/approve",
                                     {"deviceId": registered["deviceId"], "signedChallenge": device.sign(conf["challenge"])}, project, timeout=5)
                if s == 200:
                    with lock:
                        acked["approvals"].append(conf["confirmationId"])

        threads = [threading.Thread(target=logins), threading.Thread(target=chain, args=("a",)),
                   threading.Thread(target=chain, args=("b",)), threading.Thread(target=approvals)]
        for t in threads:
            t.daemon = True
            t.start()
        time.sleep(LOAD_SECONDS)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        log.close()
        stop.set()
        for t in threads:
            t.join(10)
        with lock:
            logins_seen, chains, approved = list(acked["logins"]), dict(acked["chains"]), list(acked["approvals"])
        assert logins_seen and len(chains) == 2 and approved, "the load ran before the kill"

        proc, log = start_node(binary, env)
        for token in logins_seen:
            status, _, verdict, _ = request(base, "POST", "/v2/auth/verify", {"authToken": token}, project)
            assert status == 200 and verdict["valid"] is True, verdict
        for name, token in chains.items():
            # The last token a client saw refreshes: unspent, or spent by a request whose answer was lost in
            # the kill, which the grace window answers with the same successor.
            status, _, body, _ = request(base, "POST", "/api/v1/auth/refresh", {"refreshToken": token}, project)
            assert status == 200, (name, body)
        u2 = dict(project, authorization="Bearer " + request(base, "POST", "/auth/login", {"email": "u2@example.com", "password": PASSWORD}, project)[2]["token"])
        for cid in approved:
            status, _, state, _ = request(base, "GET", f"/auth/confirmations/{cid}", headers=u2)
            assert status == 200 and state["status"] == "approved", state
        events, cursor = [], None
        while True:
            status, _, page, _ = request(base, "GET", "/v2/events?type=login.succeeded&limit=100" + (f"&cursor={cursor}" if cursor else ""), headers=admin)
            assert status == 200, page
            events += page["data"]
            cursor = page.get("nextCursor")
            if not cursor:
                break
        u0_logins = [e for e in events if e["data"].get("dialect") == "classic"]
        assert len(u0_logins) >= len(logins_seen) + len(chains), (len(u0_logins), len(logins_seen))
        status, _, verdict, _ = request(base, "GET", "/v2/events/verify", headers=admin)
        assert status == 200 and verdict["intact"] is True, verdict
        assert proc.poll() is None
    finally:
        stop_node(proc, log)
        if cluster:
            cluster.remove()
    try:
        if not cluster:
            db = sqlite3.connect(os.path.join(data, "gatehouse.sqlite"))
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.close()
    finally:
        shutil.rmtree(data, ignore_errors=True)
