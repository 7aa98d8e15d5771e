"""A real HTTP server on a free local port, for tests of clients of remote JSON APIs.

It answers each GET with what a `respond(path, query)` function returns and
keeps the requests it received, so a test counts real calls rather than mocks.
"""

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# (status, JSON body) or (status, JSON body, extra headers) for a request path and
# its query string.
Responder = Callable[
    [str, dict[str, list[str]]], tuple[int, object] | tuple[int, object, dict[str, str]]
]


class LocalJsonServer:
    def __init__(self, respond: Responder, *, delay_seconds: float = 0.0) -> None:
        self.respond = respond
        self.delay_seconds = delay_seconds
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if server.delay_seconds:
                    time.sleep(server.delay_seconds)
                parts = urlsplit(self.path)
                status, body, *extra = server.respond(parts.path, parse_qs(parts.query))
                headers = extra[0] if extra else {}
                payload = json.dumps(body).encode()
                # The client may have given up already (a timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)

            def log_message(self, format: str, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A short poll interval makes shutdown() quick at the end of each test.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def __enter__(self) -> "LocalJsonServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
