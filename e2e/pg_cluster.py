"""A throwaway PostgreSQL cluster of a test's own (its own port and folder, so the suite's shared one is
never touched), and a plain HTTP request helper that also reports how long the answer took."""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from conftest import ROOT, free_port


class Cluster:
    """A throwaway PostgreSQL made by scripts/start-postgres.sh in a folder and on a port of its own."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="gatehouse-pg-fault-")
        env = dict(os.environ, PGPORT_GATEHOUSE=str(self.port), PGDATA_GATEHOUSE=self.dir)
        self.url = subprocess.check_output([os.path.join(ROOT, "scripts", "start-postgres.sh")], env=env, text=True).strip()
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in p.split("/")[4].split(".")])[-1]
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def pg_ctl(self, *args):
        subprocess.run(self.run_as + [os.path.join(self.bin, "pg_ctl"), "-D", self.dir, *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self):
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start(self):
        self.pg_ctl("-l", os.path.join(self.dir, "server.log"), "-w", "-o",
                    f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                    "-c max_connections=300 -c fsync=off", "start")

    def remove(self):
        try:
            self.pg_ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def request(base, method, path, body=None, headers=None, timeout=10):
    """(status, headers, parsed body or text, seconds taken); a connection failure is status 0."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, hdrs, text = r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, e.headers, e.read().decode()
    except OSError as e:
        return 0, {}, str(e), time.monotonic() - started
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return status, hdrs, parsed, time.monotonic() - started
