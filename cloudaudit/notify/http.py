"""One POST of a JSON body, with the standard library only, and what came of it."""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from cloudaudit import __version__
from cloudaudit.notify.target import WebhookTarget

_ERROR_BODY_CHARS = 200
_GIVE_UP_STATUSES = frozenset({401, 403, 404, 405, 407, 410})
"""Answers that no other request to the same URL will get past: stop, do not try the rest."""


@dataclass(frozen=True)
class Attempt:
    """The outcome of one HTTP request."""

    status: int | None
    """The HTTP status; None when no answer came (timeout, refused connection, reset)."""
    error: str = ""
    """What went wrong, on one line, with no secret in it; '' on success."""
    retry_after: float | None = None
    """Seconds the receiver asked us to wait (Retry-After), if it said."""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Worth another try: no answer, 429 Too Many Requests, or a 5xx."""
        return self.status is None or self.status == 429 or self.status >= 500

    @property
    def blocks_everything(self) -> bool:
        """An answer about the URL or the credentials, not about this finding (401, 403, 404...)."""
        return self.status in _GIVE_UP_STATUSES or (self.status is not None and 300 <= self.status < 400)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET without its body: report it instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


def post_json(target: WebhookTarget, body: bytes, idempotency_key: str) -> Attempt:
    headers = {
        **target.headers,
        "Content-Type": "application/json",
        "User-Agent": f"cloudaudit/{__version__}",
        "Idempotency-Key": idempotency_key,
    }
    request = urllib.request.Request(target.url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=target.timeout) as response:
            response.read()
            return Attempt(response.status)
    except urllib.error.HTTPError as exc:
        detail = _body_excerpt(exc)
        reason = f"HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
        return Attempt(exc.code, target.shown(reason), _retry_after(exc.headers.get("Retry-After")))
    except (TimeoutError, socket.timeout):
        return Attempt(None, f"no answer within {target.timeout:g} s (timeout)")
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return Attempt(None, f"no connection within {target.timeout:g} s (timeout)")
        return Attempt(None, target.shown(f"cannot connect ({exc.reason})"))
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        return Attempt(None, target.shown(f"connection failed ({type(exc).__name__}: {exc})"))


def _body_excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(_ERROR_BODY_CHARS * 4).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return ""
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_BODY_CHARS else text[: _ERROR_BODY_CHARS - 3] + "..."


def _retry_after(value: str | None) -> float | None:
    """Retry-After is delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())
