"""Make one Google API read, count it, and turn its failure into a ReadFailure."""

from __future__ import annotations

from typing import Any, Callable, Iterable
from urllib.parse import urlencode

import google.api_core.exceptions as api_exceptions
import google.auth.exceptions as auth_exceptions
import requests

from cloudaudit.providers.facts import ReadFailure
from cloudaudit.providers.gcp.errors import describe, fatal_credentials
from cloudaudit.providers.gcp.session import GcsSession
from cloudaudit.redact import one_line

READ_ERRORS = (
    api_exceptions.GoogleAPIError,
    auth_exceptions.GoogleAuthError,
    requests.RequestException,
    ConnectionError,
)


def read(session: GcsSession, call: str, operation: Callable[..., Any], **params: Any) -> Any:
    """`operation(**params, retry=...)`, counted once however often it is retried; ReadFailure
    naming `call` (the JSON API method, e.g. storage.buckets.getIamPolicy) when it fails."""
    session.count(call)
    try:
        return operation(retry=session.retry, **params)
    except READ_ERRORS as exc:
        raise ReadFailure(describe(call, exc)) from None


def read_pages(
    session: GcsSession, call: str, iterator: Any, fatal: Callable[[BaseException], Exception | None] = fatal_credentials
) -> list[Any]:
    """Every item of a google-cloud-storage listing, one counted call per page. A failure that
    `fatal` names (by default: credentials that no Google API accepts) raises what it returns,
    typically ScanCannotRun; any other failure raises ReadFailure."""
    items: list[Any] = []
    try:
        for page in iterator.pages:
            session.count(call)
            items.extend(page)
    except READ_ERRORS as exc:
        session.count(call)
        raise fatal(exc) or ReadFailure(describe(call, exc)) from None
    return items


def read_json(session: GcsSession, call: str, method: str, url: str, body: Any = None, subject: str = "") -> dict[str, Any]:
    """One JSON REST read (Resource Manager, Org Policy), counted once however often it is
    retried. `subject` follows the call name in a failure's reason (the constraint read).
    Credentials that no Google API accepts raise ScanCannotRun; any other failure, an
    unreachable endpoint included, raises ReadFailure: only the facts of this read are lost."""
    session.count(call)
    label = f"{call} {subject}" if subject else call
    try:
        answer = session.request_json(method, url, body)
    except requests.JSONDecodeError:
        raise ReadFailure(one_line(f"{label}: the answer is not a JSON document")) from None
    except READ_ERRORS as exc:
        raise _failure(label, exc) from None
    if not isinstance(answer, dict):
        raise ReadFailure(one_line(f"{label}: the answer is not a JSON object"))
    return answer


def read_json_pages(session: GcsSession, call: str, url: str, items: str) -> list[dict[str, Any]]:
    """Every object under `items` of a paged JSON REST listing (Logging, Monitoring): one
    counted read_json per page, following nextPageToken. A failed page fails the listing."""
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    token = None
    while True:
        page = read_json(session, call, "GET", f"{url}?{urlencode({'pageToken': token})}" if token else url)
        found.extend(item for item in page.get(items) or () if isinstance(item, dict))
        token = page.get("nextPageToken")
        if not token or not isinstance(token, str):
            return found
        if token in seen:
            raise ReadFailure(one_line(f"{call}: the listing repeats a page token"))
        seen.add(token)


def _failure(call: str, exc: BaseException) -> Exception:
    return fatal_credentials(exc) or ReadFailure(describe(call, exc))


def strings(values: Iterable[Any] | None) -> list[str]:
    """The strings of a JSON list that may be missing or hold other things."""
    return [v for v in values or () if isinstance(v, str)]
