"""Browser-ready defaults (issue 12, item 9): a server started the quick-start way, with no public URL
configured, publishes itself as http://localhost:<port>, so its passkey relying party is "localhost" (a
browser refuses an IP address as a WebAuthn relying party id)."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

from conftest import ROOT, SYSTEM_KEY, free_port


def test_the_default_public_url_is_localhost():
    binary = os.environ.get("GATEHOUSE_BIN") or os.path.join(
        subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "gatehouse")
    data = tempfile.mkdtemp(prefix="gatehouse-defaults-")
    port = free_port()
    env = dict(os.environ, GATEHOUSE_DATA_DIR=data, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY,
               GATEHOUSE_LOG_LEVEL="warning")
    for name in ("GATEHOUSE_PUBLIC_URL", "GATEHOUSE_DATABASE_URL", "GATEHOUSE_HOST"):
        env.pop(name, None)
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/health/ready", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        req = urllib.request.Request(base + "/v2/tenants", data=json.dumps({"projectName": "Defaults"}).encode(),
                                     method="POST", headers={"x-api-key": SYSTEM_KEY, "content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            tenant = json.load(r)
        me = urllib.request.Request(base + "/v2/tenants/me", headers={"x-project-key": tenant["projectApiKey"]})
        with urllib.request.urlopen(me, timeout=10) as r:
            settings = json.load(r)
        assert settings["webauthnRpId"] == "localhost", settings
        assert settings["webauthnOrigins"] == [f"http://localhost:{port}"], settings
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(data, ignore_errors=True)
