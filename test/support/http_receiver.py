"""A local HTTP receiver for tests of error reports (Bugsnag's notify API).

Run with Debian's /usr/bin/python3. Listens on 127.0.0.1:PORT and appends one JSON line
per POST to the requests file: {"path", "headers" (lowercase names), "body"}; answers
202. With --hang it reads each request and never answers, like an endpoint that is
unreachable past its TCP handshake. Prints READY once listening.
"""

import argparse
import http.server
import json
import sys
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--hang", action="store_true")
    args = parser.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8", "replace")
            record = {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
            with lock:
                with open(args.requests, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            if args.hang:
                # Bounded so a stray receiver cannot outlive its test by much.
                time.sleep(120)
                return
            self.send_response(202)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *unused):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("READY", flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
