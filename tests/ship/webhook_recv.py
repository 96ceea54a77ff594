#!/usr/bin/env python3
"""A webhook receiver for tests: records every POST as one JSON line.

    webhook_recv.py --out FILE --port-file FILE [--port N] [--control FILE]

Each line of --out: {"seq": N, "time": UNIX_SECONDS, "method": "POST",
"path": "/...", "status": ANSWERED, "headers": {...}, "body": "..."} (a body
that is not UTF-8 is in "body_base64" instead). The file is opened in append
mode and seq continues from its number of lines, so a restarted receiver
carries on where the last one stopped: a sender that retries across the
restart shows up as later lines, not as a fresh file.

The control file, read at each request so a test can switch behaviour while
the receiver runs, holds lines "status N" (default 200; 0 closes the
connection without an answer) and "delay SECONDS" (default 0, before
answering). The line is recorded when the request arrives, with the status
it is going to get.
"""

import argparse
import base64
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def read_control(path):
    status, delay = 200, 0.0
    if not path:
        return status, delay
    try:
        with open(path) as f:
            for line in f:
                words = line.split()
                if len(words) == 2 and words[0] == "status":
                    status = int(words[1])
                elif len(words) == 2 and words[0] == "delay":
                    delay = float(words[1])
    except FileNotFoundError:
        pass
    return status, delay


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook_recv"

    def log_message(self, fmt, *args):
        # One line per request on stderr, for the test's log file.
        print("%s %s" % (self.log_date_time_string(), fmt % args), flush=True, file=sys.stderr)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers, up to the empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self):
        body = self.read_body()
        status, delay = read_control(self.server.control)
        headers = {}
        for name, value in self.headers.items():
            headers[name] = headers[name] + "," + value if name in headers else value
        entry = {"time": time.time(), "method": self.command, "path": self.path,
                 "status": status, "headers": headers}
        try:
            entry["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            entry["body_base64"] = base64.b64encode(body).decode()
        with self.server.lock:
            self.server.seq += 1
            entry = {"seq": self.server.seq, **entry}
            # One write of one line in append mode: lines never interleave.
            with open(self.server.out, "a") as f:
                f.write(json.dumps(entry) + "\n")
        if delay > 0:
            time.sleep(delay)
        if status == 0:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        answer = json.dumps({"seq": entry["seq"]}).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_PUT = do_POST

    def do_GET(self):
        answer = json.dumps({"received": self.server.seq}).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--control")
    a = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    server.out, server.control, server.lock = a.out, a.control, threading.Lock()
    try:
        with open(a.out) as f:
            server.seq = sum(1 for _ in f)
    except FileNotFoundError:
        server.seq = 0
    # Written once listening, and renamed into place, so that whoever waits
    # for the file can connect as soon as it exists.
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
