"""A loopback webhook receiver for bench/webhooks.sh: answers 204 to every POST and counts them (printed on
SIGTERM and written to the file named by the first argument every second)."""
import http.server
import socketserver
import sys
import threading
import time

count = 0
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()
        with lock:
            count += 1

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256


httpd = Server(("127.0.0.1", int(sys.argv[2])), Handler)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
while True:
    with open(sys.argv[1], "w") as f:
        f.write(str(count))
    time.sleep(0.5)
