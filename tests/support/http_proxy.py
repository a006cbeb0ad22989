"""A loopback reverse proxy that records every request, and can add latency.

Tests use it to prove, on the wire, that a scan only reads; the benchmark uses it to add a
fixed delay per request, as a real cloud API would. A `respond` hook can answer some requests
itself (an AccessDenied for one bucket) instead of forwarding them.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    host: str
    target: str
    """X-Amz-Target header (JSON protocol services such as KMS), or ''."""
    action: str
    """Action= of a query-protocol request (IAM, STS), or ''."""
    body: str = ""
    """The request body as text (read-only proofs look at what a POST sends)."""


Responder = Callable[[str, str], "tuple[int, Any] | None"]
"""(method, path with query) -> (status, JSON body) to answer without forwarding, or None."""


class RecordingProxy:
    def __init__(self, upstream_port: int, latency: float = 0.0, port: int = 0, respond: Responder | None = None):
        self.upstream_port = upstream_port
        self.latency = latency
        self.respond = respond
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        """The most requests the proxy held at once: more than one shows concurrent callers."""
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = ""
                if body and "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                    action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
                record = RecordedRequest(
                    self.command, self.path, self.headers.get("Host", ""),
                    self.headers.get("X-Amz-Target", ""), action, body.decode("utf-8", "replace"),
                )
                with proxy._lock:
                    proxy.requests.append(record)
                    proxy.in_flight += 1
                    proxy.peak_in_flight = max(proxy.peak_in_flight, proxy.in_flight)
                try:
                    if proxy.latency:
                        time.sleep(proxy.latency)
                    answer = proxy.respond(self.command, self.path) if proxy.respond else None
                    if answer is not None:
                        self._answer(*answer)
                    else:
                        self._relay(body)
                finally:
                    with proxy._lock:
                        proxy.in_flight -= 1

            def _answer(self, status: int, document: Any) -> None:
                payload = json.dumps(document).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _relay(self, body: bytes) -> None:
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_HEADERS and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "RecordingProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.peak_in_flight = 0
