"""`gatehouse backup --to FILE` (issue 12, item 12): a consistent copy of the live SQLite database while the
server keeps serving and writing. Every row committed before the backup began is in the copy, and a server
started on the copy serves it."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request

from conftest import SYSTEM_KEY, free_port


def test_a_backup_under_writes_holds_everything_committed_before_it(server):
    tenant = server.tenant("Backup Co")
    admin = {"authorization": "Bearer " + tenant["jwt"], "x-project-key": tenant["projectApiKey"]}
    before = []
    for i in range(20):
        status, b = server.call("POST", "/v2/businesses", {"name": f"before {i}"}, admin)
        assert status == 201, b
        before.append(b["id"])

    # Writes go on while the backup runs.
    stop = threading.Event()
    written = []

    def writer():
        i = 0
        while not stop.is_set():
            status, _ = server.call("POST", "/v2/businesses", {"name": f"during {i}"}, admin)
            written.append(status)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    folder = tempfile.mkdtemp(prefix="gatehouse-backup-")
    copy = os.path.join(folder, "gatehouse.sqlite")
    try:
        time.sleep(0.2)
        env = dict(os.environ, GATEHOUSE_DATA_DIR=server.data, GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY, GATEHOUSE_LOG_LEVEL="error")
        env.pop("GATEHOUSE_DATABASE_URL", None)
        run = subprocess.run([server.binary, "backup", "--to", copy], env=env, capture_output=True, text=True, timeout=120)
        time.sleep(0.2)
        stop.set()
        thread.join()
        assert run.returncode == 0, run.stdout + run.stderr
        assert "copied" in run.stdout
        assert written and all(s == 201 for s in written), "the server kept serving writes"
        assert oct(os.stat(copy).st_mode & 0o777) == "0o600"

        # Refuses to overwrite.
        again = subprocess.run([server.binary, "backup", "--to", copy], env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode != 0

        # A server on the copy (the master key file goes with it) serves every business created before.
        shutil.copy(os.path.join(server.data, "master.key"), os.path.join(folder, "master.key"))
        port = free_port()
        # The same public URL: the admin token's issuer names it.
        env2 = dict(env, GATEHOUSE_DATA_DIR=folder, GATEHOUSE_PORT=str(port), GATEHOUSE_LOG_LEVEL="warning",
                    GATEHOUSE_PUBLIC_URL=server.origin)
        proc = subprocess.Popen([server.binary, "serve"], env=env2, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    with urllib.request.urlopen(base + "/health/ready", timeout=1):
                        break
                except OSError:
                    time.sleep(0.1)
            found, cursor = set(), None
            while True:
                url = base + "/v2/businesses?limit=200" + (f"&cursor={cursor}" if cursor else "")
                with urllib.request.urlopen(urllib.request.Request(url, headers=admin), timeout=10) as r:
                    page = json.load(r)
                found |= {b["id"] for b in page["data"]}
                cursor = page.get("nextCursor")
                if not cursor:
                    break
            assert set(before) <= found
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    finally:
        stop.set()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_postgres_database_is_not_backed_up_by_us(server):
    env = dict(os.environ, GATEHOUSE_DATABASE_URL="postgres://nobody@127.0.0.1:1/none", GATEHOUSE_LOG_LEVEL="error")
    run = subprocess.run([server.binary, "backup", "--to", "/tmp/never-written.sqlite"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode != 0
    assert "pg_dump" in run.stderr
    assert not os.path.exists("/tmp/never-written.sqlite")
