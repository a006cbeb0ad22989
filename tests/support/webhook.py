"""A ticket system's webhook on a free loopback port, flaky on purpose.

It answers each request by a script keyed on the Idempotency-Key header (429 with Retry-After,
503, a timeout, 400, 401...), then 201 once the script is used up. Like a real idempotent API it
creates one ticket per key and answers a repeated key with the ticket it already has, so a
request whose answer was lost (a timeout) does not create a second ticket when it is retried.
Every request is recorded as received.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackService


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None = None
    lost: bool = False
    """Hold the answer back until the client sends the same key again (it gave up waiting)."""


OK = Answer(201)
LOST = Answer(201, lost=True)
"""The ticket is created, but the answer never reaches the client: it times out and retries."""
_LONGEST_HOLD = 30.0


@dataclass(frozen=True)
class Received:
    key: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FlakyWebhook(LoopbackService):
    script: dict[str, list[Answer]] = field(default_factory=dict)
    """Idempotency-Key -> the answers to its first requests, in order; then 201."""
    default: list[Answer] = field(default_factory=list)
    """Answers for the first requests of every key the script does not name."""
    received: list[Received] = field(default_factory=list)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Idempotency-Key -> the body that created the ticket."""
    created: list[str] = field(default_factory=list)
    """Keys in the order their tickets were created; a key twice would be a duplicate ticket."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self._retried: dict[str, threading.Event] = {}
        self._listen(self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/T0001/s3cr3t-path"

    def requests_for(self, key: str) -> list[Received]:
        return [r for r in self.received if r.key == key]

    def delivered_fingerprints(self) -> list[str]:
        """Every finding fingerprint in the created tickets, batches unpacked."""
        fingerprints = []
        for body in (self.tickets[key] for key in self.created):
            items = body["findings"] if "findings" in body else [body["finding"]]
            fingerprints.extend(item["fingerprint"] for item in items)
        return fingerprints

    def _answer_for(self, key: str) -> Answer:
        with self._lock:
            count = self._seen.get(key, 0)
            self._seen[key] = count + 1
            self._retried.setdefault(key, threading.Event())
            if count:
                self._retried[key].set()
        answers = self.script.get(key, self.default)
        return answers[count] if count < len(answers) else OK

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key", "")
                with hook._lock:
                    hook.received.append(Received(key, dict(self.headers.items()), body))
                answer = hook._answer_for(key)
                if answer.status < 300:
                    with hook._lock:
                        if key not in hook.tickets:
                            hook.tickets[key] = body
                            hook.created.append(key)
                if answer.lost:
                    hook._retried[key].wait(_LONGEST_HOLD)
                payload = json.dumps({"ticket": key} if answer.status < 300 else {"error": "try later"}).encode()
                try:
                    self.send_response(answer.status)
                    if answer.retry_after is not None:
                        self.send_header("Retry-After", answer.retry_after)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that was the point

        return Handler
