"""Probe of e2e/moto_server.py's OneRequestAtATime, for __tests__/e2e/moto-server.test.ts.

Serves a slow WSGI app with werkzeug's threaded server (as moto_server.py does), wrapped or bare
(argv[1]: "wrapped" or "bare"), sends it concurrent HTTP requests from threads, and prints one JSON
line: the most requests the app ever had inside it at once, each response's status and body, and how
many of the app's response iterables were closed.
"""
import json
import os
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

from moto_server import OneRequestAtATime  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

REQUESTS = 6


class Body:
    """A response iterable in two chunks, with the close() WSGI servers must call."""

    def __init__(self, probe, name):
        self._probe = probe
        self._chunks = [b"hello ", name.encode()]

    def __iter__(self):
        for chunk in self._chunks:
            time.sleep(0.02)
            yield chunk
        self._probe.leave()

    def close(self):
        with self._probe.lock:
            self._probe.closed += 1


class Probe:
    def __init__(self):
        self.lock = threading.Lock()
        self.inside = 0
        self.max_inside = 0
        self.closed = 0

    def leave(self):
        with self.lock:
            self.inside -= 1

    def app(self, environ, start_response):
        with self.lock:
            self.inside += 1
            self.max_inside = max(self.max_inside, self.inside)
        time.sleep(0.1)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body(self, environ["PATH_INFO"].strip("/"))


def main():
    probe = Probe()
    app = OneRequestAtATime(probe.app) if sys.argv[1] == "wrapped" else probe.app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    responses = [None] * REQUESTS

    def fetch(i):
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/r{i}", timeout=60) as r:
            responses[i] = {"status": r.status, "body": r.read().decode()}

    clients = [threading.Thread(target=fetch, args=(i,)) for i in range(REQUESTS)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    server.shutdown()
    print(json.dumps({"maxInside": probe.max_inside, "responses": responses, "closed": probe.closed}))


if __name__ == "__main__":
    main()
