#!/usr/bin/python3
"""A small HTTP/1.1 object server that injects faults, for repro's remote tests.

Usage: faultserver.py ROOT PORT CONTROL LOG
  Serves ROOT over HTTP on 127.0.0.1:PORT: GET (with "Range: bytes=N-"),
  HEAD, PUT (written to a temporary file, then renamed), DELETE; keep-alive.
  Logs one line per request to LOG: "METHOD PATH FAULT" plus, for S3-style
  requests, the signed header names and the x-amz-* headers it received.

  CONTROL is a file re-read on every request, so a test changes faults
  without restarting the server. It holds "key=value" words:
    mode=none|reset|500|429|truncate|corrupt|stall|slow|mixed|corrupt-always
    first=N       the first N requests to each path get the fault (default 1);
                  later ones succeed, so a client that retries gets through
    methods=GET,PUT   which methods get faults (default GET,HEAD,PUT)
    delay=S       slow: seconds before answering; stall: seconds of silence
    match=TEXT    only paths containing TEXT get faults
  mixed gives each path one of reset, 500, truncate, corrupt, stall, 429 in
  turn, so that six paths or more get every kind. Writing CONTROL again
  starts the counts afresh.
"""
import http.server
import os
import socket
import socketserver
import struct
import sys
import threading
import time

ROOT, PORT, CONTROL, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
MIXED = ["reset", "500", "truncate", "corrupt", "stall", "429"]
counts = {}
assigned = {}
state = {"control": None}
lock = threading.Lock()


def control():
    """The current settings; a new setting starts every count afresh."""
    c = {"mode": "none", "first": "1", "methods": "GET,HEAD,PUT", "delay": "0.3", "match": ""}
    try:
        with open(CONTROL) as f:
            text = f.read()
    except OSError:
        text = ""
    with lock:
        if text != state["control"]:
            state["control"] = text
            counts.clear()
            assigned.clear()
    for word in text.split():
        if "=" in word:
            k, v = word.split("=", 1)
            c[k] = v
    return c


def log(line):
    with lock:
        with open(LOG, "a") as f:
            f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def local_path(self):
        p = self.path.split("?", 1)[0]
        parts = [x for x in p.split("/") if x not in ("", ".", "..")]
        return os.path.join(ROOT, *parts)

    def fault(self):
        """The fault this request gets, or None."""
        c = control()
        mode = c["mode"]
        if mode == "none" or self.command not in c["methods"].split(",") or c["match"] not in self.path:
            return None, c
        if mode == "corrupt-always":
            return "corrupt", c
        with lock:
            n = counts.get((self.command, self.path), 0)
            counts[(self.command, self.path)] = n + 1
        if n >= int(c["first"]):
            return None, c
        if mode == "mixed":
            with lock:
                if self.path not in assigned:
                    assigned[self.path] = MIXED[len(assigned) % len(MIXED)]
                mode = assigned[self.path]
        return mode, c

    def note(self, fault):
        extra = ""
        auth = self.headers.get("Authorization", "")
        if "SignedHeaders=" in auth:
            extra += " signed=" + auth.split("SignedHeaders=", 1)[1].split(",", 1)[0]
        for k, v in self.headers.items():
            if k.lower().startswith("x-amz-") and k.lower() != "x-amz-date":
                extra += " %s=%s" % (k.lower(), v)
        if self.headers.get("Range"):
            extra += " range=" + self.headers["Range"]
        log("%s %s %s%s" % (self.command, self.path, fault or "ok", extra))

    def reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()

    def simple(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def common_fault(self, fault, c):
        """Faults every method can get; True when the request was answered."""
        if fault == "reset":
            self.reset()
        elif fault == "500":
            self.simple(500, b"injected failure\n")
        elif fault == "429":
            self.simple(429, b"slow down\n", [("Retry-After", "1")])
        elif fault == "slow":
            time.sleep(float(c["delay"]))
            return False
        else:
            return False
        return True

    def drain_body(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        while n > 0:
            chunk = self.rfile.read(min(n, 1 << 16))
            if not chunk:
                break
            n -= len(chunk)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        fault, c = self.fault()
        self.note(fault)
        if self.common_fault(fault, c):
            return
        try:
            with open(self.local_path(), "rb") as f:
                data = f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            self.simple(404, b"not found\n")
            return
        start = 0
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= len(data) and len(data):
                self.simple(416, b"", [("Content-Range", "bytes */%d" % len(data))])
                return
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault == "corrupt" and body:
            body = bytes([body[0] ^ 0x55]) + body[1:]
        if fault in ("truncate", "stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if fault == "stall":
                time.sleep(float(c["delay"]))
            self.reset()
            return
        self.wfile.write(body)

    def do_PUT(self):
        fault, c = self.fault()
        self.note(fault)
        if fault in ("reset", "stall", "truncate"):
            self.reset()
            return
        if fault in ("500", "429"):
            self.drain_body()
            self.common_fault(fault, c)
            return
        if fault == "slow":
            time.sleep(float(c["delay"]))
        n = int(self.headers.get("Content-Length", "-1"))
        if n < 0:
            self.simple(411, b"length required\n")
            return
        path = self.local_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = "%s.tmp.%d" % (path, threading.get_ident())
        with open(tmp, "wb") as f:
            left = n
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                f.write(chunk)
                left -= len(chunk)
        if left:
            os.unlink(tmp)
            self.close_connection = True
            return
        os.rename(tmp, path)
        self.simple(201)

    def do_DELETE(self):
        fault, c = self.fault()
        self.note(fault)
        if self.common_fault(fault, c):
            return
        try:
            os.unlink(self.local_path())
            self.simple(204)
        except FileNotFoundError:
            self.simple(404, b"not found\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    Server(("127.0.0.1", PORT), Handler).serve_forever()
