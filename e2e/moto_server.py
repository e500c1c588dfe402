"""moto_server that handles one request at a time.

moto's FAQ: "Is Moto concurrency safe? No. Moto is not designed for multithreaded
access/multiprocessing" (getmoto/moto docs/docs/faq.rst). Yet `moto_server` serves every
request on its own thread, and the e2e harnesses run two or three Terraform applies against one
server. On a loaded CI machine one apply failed with `EntityAlreadyExists` on a role that only its
stack creates: what the provider's SDK gets when it retries a create that moto had already stored.

This runs the same WSGI app `moto_server` runs (moto.server.main) behind a lock: connections
are still accepted on threads, so one client's idle keep-alive connection never blocks
another, but moto's backends see one request at a time. The response body is read inside
the lock and sent after it.

Usage: python3 e2e/moto_server.py -H 127.0.0.1 -p PORT
       python3 e2e/moto_server.py --probe   (exits 0 when moto can be imported)
"""

import argparse
import os
import signal
import sys
import threading


class OneRequestAtATime:
    """WSGI middleware: calls the wrapped app, and reads its whole body, under one lock."""

    def __init__(self, app):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            result = self._app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


def _stop(signum, frame):
    sys.exit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(description="moto_server, one request at a time")
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("-p", "--port", type=int, default=5000, help="port to bind")
    parser.add_argument("--probe", action="store_true", help="import moto and exit 0")
    args = parser.parse_args(argv)

    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    if args.probe:
        return
    # moto builds some URLs (SQS queue URLs, for one) from the port it serves on, as moto_server does.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    run_simple(args.host, args.port, OneRequestAtATime(app), threaded=True)


if __name__ == "__main__":
    main()
