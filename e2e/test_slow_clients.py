"""Issue 16, item 3: slow clients cannot hold the server. With the deadlines shortened (the defaults are 30 s
each), a head trickled byte by byte, a stalled body and an idle keep-alive connection are each closed by
the server within their deadline plus a margin; connections past GATEHOUSE_MAX_CONNECTIONS wait until one
frees; and 1,000 idle keep-alive connections do not stop others being served. The deadlines in these
tests bound liveness; they measure nothing."""
import os
import resource
import shutil
import socket
import tempfile
import time
import urllib.request

import pytest

from conftest import SYSTEM_KEY, free_port, gatehouse_binary, start_node, stop_node

DEADLINE = 2.0   # each of GATEHOUSE_HEADER_TIMEOUT, _BODY_TIMEOUT and _KEEPALIVE_TIMEOUT in the first node
MARGIN = 2.0
MAX_CONNECTIONS = 20


def start(env_extra):
    data = tempfile.mkdtemp(prefix="gatehouse-slow-")
    port = free_port()
    env = dict(os.environ, GATEHOUSE_DATA_DIR=data, GATEHOUSE_PORT=str(port), GATEHOUSE_SYSTEM_API_KEY=SYSTEM_KEY,
               GATEHOUSE_LOG_LEVEL="warning", GATEHOUSE_WEBHOOK_DISPATCH="false", **env_extra)
    env.pop("GATEHOUSE_DATABASE_URL", None)
    proc, log = start_node(gatehouse_binary(), env)
    return proc, log, data, port


def stop(proc, log, data):
    stop_node(proc, log)
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
def short_deadlines():
    proc, log, data, port = start({"GATEHOUSE_HEADER_TIMEOUT": str(DEADLINE), "GATEHOUSE_BODY_TIMEOUT": str(DEADLINE),
                                   "GATEHOUSE_KEEPALIVE_TIMEOUT": str(DEADLINE), "GATEHOUSE_MAX_CONNECTIONS": str(MAX_CONNECTIONS)})
    yield port
    assert proc.poll() is None, "the node survived its slow clients"
    stop(proc, log, data)


def closed_by_server(sock, started, trickle=None):
    """Seconds from `started` until the server closes `sock`, sending `trickle` bytes one at a time meanwhile."""
    sock.settimeout(0.25)
    pending = list(trickle or b"")
    while time.monotonic() - started < DEADLINE + MARGIN + 5:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except socket.timeout:
            pass
        except ConnectionError:
            return time.monotonic() - started
        if pending:
            try:
                sock.send(bytes([pending.pop(0)]))
            except (BrokenPipeError, ConnectionError):
                return time.monotonic() - started
    return None


def request(port, raw):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(raw)
    return sock


def read_response(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_a_head_trickled_byte_by_byte_is_cut_off(short_deadlines):
    started = time.monotonic()
    sock = request(short_deadlines, b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
    took = closed_by_server(sock, started, trickle=b"X-Slow: " + b"a" * 200)
    assert took is not None and took <= DEADLINE + MARGIN, took


def test_a_stalled_body_is_cut_off(short_deadlines):
    started = time.monotonic()
    sock = request(short_deadlines, b"POST /v2/auth/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    b"Content-Length: 100\r\n\r\n{\"authToken\":")
    took = closed_by_server(sock, started)
    assert took is not None and took <= DEADLINE + MARGIN, took


def test_an_idle_keep_alive_connection_is_closed(short_deadlines):
    sock = request(short_deadlines, b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(sock, 5).startswith(b"HTTP/1.1 200")
    started = time.monotonic()
    took = closed_by_server(sock, started)
    assert took is not None and took <= DEADLINE + MARGIN, took


def test_connections_past_the_bound_wait_for_a_free_one(short_deadlines):
    held = [socket.create_connection(("127.0.0.1", short_deadlines)) for _ in range(MAX_CONNECTIONS)]
    time.sleep(0.3)
    extra = request(short_deadlines, b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
    started = time.monotonic()
    extra.settimeout(0.8)
    try:
        early = extra.recv(4096)
    except socket.timeout:
        early = None
    assert early is None, "not accepted while the bound is reached"
    # The held connections send nothing: their head deadline frees the slots, and the waiting one is served.
    answer = read_response(extra, DEADLINE + MARGIN + 2)
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert time.monotonic() - started <= DEADLINE + MARGIN + 1
    for s in held + [extra]:
        s.close()


def test_a_thousand_idle_keep_alive_connections_do_not_stop_others():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    proc, log, data, port = start({})
    idle = []
    try:
        for _ in range(1000):
            sock = request(port, b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock, 10).startswith(b"HTTP/1.1 200")
            idle.append(sock)
        started = time.monotonic()
        for _ in range(20):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=10) as r:
                assert r.status == 200
        assert time.monotonic() - started < 10
        assert proc.poll() is None
    finally:
        for sock in idle:
            sock.close()
        stop(proc, log, data)


def test_a_head_past_the_decoders_bound_is_refused(short_deadlines):
    """Beyond the 16 KiB the routes refuse with 431 (RequestLimitsTests), the HTTP decoder's own 80 KiB bound:
    the connection is closed or refused, never a 200 and never a 500."""
    sock = request(short_deadlines, b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (100 * 1024) + b"\r\n\r\n")
    try:
        answer = read_response(sock, 5)
    except ConnectionError:
        answer = b""
    status = int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/1.1 ") else None
    assert status is None or 400 <= status < 500, answer[:80]
