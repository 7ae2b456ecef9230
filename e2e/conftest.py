"""Starts the real gatehouse binary (built by `swift build`) on a free port with a fresh SQLite data folder;
also a headless Chromium (Debian's chromium and chromium-driver, installed by scripts/debian-tools.sh when
missing; Selenium from PyPI) and a loopback page server for the browser tests."""
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

SYSTEM_KEY = "sk_system_e2e_" + "k" * 40
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_script(name):
    """A script of scripts/ as a module (their names have dashes, so `import` cannot name them)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name.replace("-", "_").removesuffix(".py"), os.path.join(ROOT, "scripts", name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gatehouse_binary():
    """The server under test: GATEHOUSE_BIN, else the debug build's."""
    return os.environ.get("GATEHOUSE_BIN") or os.path.join(
        subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "gatehouse")


def start_node(binary, env, tls=None, wrapper=()):
    """`gatehouse serve` with `env` (which names GATEHOUSE_PORT and GATEHOUSE_DATA_DIR), its output in a new
    log file of the data folder, once /health/ready answers 200 (over https with `tls`, an ssl.SSLContext
    that trusts the node's certificate). `wrapper`: a command the binary runs under (setpriv, to run as
    another user). Returns the process and its open log."""
    path = os.path.join(env["GATEHOUSE_DATA_DIR"], f"server-{time.time()}.log")
    log = open(path, "w")
    proc = subprocess.Popen([*wrapper, binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    ready = f"{'https' if tls else 'http'}://127.0.0.1:{env['GATEHOUSE_PORT']}/health/ready"
    for _ in range(300):
        try:
            with urllib.request.urlopen(ready, timeout=1, context=tls) as r:
                if r.status == 200:
                    return proc, log
        except OSError:
            time.sleep(0.1)
    stop_node(proc, log)
    raise RuntimeError("gatehouse did not become ready: " + open(path).read())


def stop_node(proc, log):
    """Stops a node started by start_node (a kill when SIGTERM is not heeded in 15 s), and closes its log."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.close()


class Server:
    def __init__(self, base, origin, data=None, binary=None):
        self.base = base
        self.origin = origin
        self.data = data
        self.binary = binary

    def call(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            return e.code, (json.loads(text) if text else None)

    def tenant(self, name="E2E Co"):
        status, t = self.call("POST", "/v2/tenants", {"projectName": name}, {"x-api-key": SYSTEM_KEY})
        assert status == 201, t
        return t

    def user_token(self, tenant, email, password="correct horse battery"):
        admin = {"authorization": "Bearer " + tenant["jwt"], "x-project-key": tenant["projectApiKey"]}
        status, u = self.call("POST", "/v2/users", {"username": email.split("@")[0], "email": email, "password": password}, admin)
        assert status == 201, u
        status, login = self.call("POST", "/auth/login", {"email": email, "password": password}, {"x-project-key": tenant["projectApiKey"]})
        assert status == 200, login
        return login["token"]


@pytest.fixture(scope="session")
def server():
    binary = gatehouse_binary()
    data = tempfile.mkdtemp(prefix="gatehouse-e2e-")
    port = free_port()
    # The public URL names the passkey relying party: rpId "localhost", origin http://localhost:<port>.
    env = dict(os.environ, GATEHOUSE_DATA_DIR=data, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY,
               GATEHOUSE_BCRYPT_COST="10", GATEHOUSE_LOG_LEVEL="warning", GATEHOUSE_PUBLIC_URL=f"http://localhost:{port}",
               # The fuzzer registers webhooks to any host it makes up: this node queues but never sends, so no
               # test traffic leaves loopback (test_webhooks.py runs a sending node of its own).
               GATEHOUSE_WEBHOOK_DISPATCH="false")
    env.pop("GATEHOUSE_DATABASE_URL", None)
    proc, log = start_node(binary, env)
    try:
        yield Server(f"http://127.0.0.1:{port}", f"http://localhost:{port}", data=data, binary=binary)
    finally:
        stop_node(proc, log)
        shutil.rmtree(data, ignore_errors=True)


BROWSER_TIMEOUT = float(os.environ.get("GATEHOUSE_BROWSER_TIMEOUT", "30"))


class Page(http.server.BaseHTTPRequestHandler):
    """A page of an app on another loopback origin (an OAuth client's redirect target, a SPA)."""

    def do_GET(self):
        body = b"<!doctype html><title>app</title><p>a page of an app on another origin"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def page_port():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    subprocess.run([os.path.join(ROOT, "scripts", "debian-tools.sh"), "chromium=chromium", "chromedriver=chromium-driver"],
                   check=True)
    os.environ["SE_OFFLINE"] = "true"  # Selenium must not look for drivers on the network: the local ones are used.
    options = Options()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                     "--window-size=800,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(BROWSER_TIMEOUT)
    driver.set_page_load_timeout(BROWSER_TIMEOUT)
    yield driver
    driver.quit()
