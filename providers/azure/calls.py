"""Make one Azure read, count it, and turn its failure into a ReadFailure that names the call."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Callable, Iterable, Iterator

from azure.core.exceptions import AzureError

from cloudaudit.providers.azure.errors import describe, status_of
from cloudaudit.providers.facts import ReadFailure


class CallLog:
    """Operation -> how many requests were made (a retried request counts once; a page counts)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, call: str) -> None:
        with self._lock:
            self.counts[call] += 1


class Reader:
    """Reads through one call log; `fatal` turns an error that ends the scan into an exception."""

    def __init__(self, log: CallLog, fatal: Callable[[BaseException], Exception | None] = lambda exc: None):
        self.log = log
        self._fatal = fatal

    def one(self, call: str, operation: Callable[..., Any], *, absent: tuple[int, ...] = (), **params: Any) -> Any:
        """`operation(**params)`; None when the HTTP status says the setting does not exist
        (one of `absent`, e.g. 404); ReadFailure for any other failure."""
        self.log.add(call)
        try:
            return operation(**params)
        except AzureError as exc:
            if status_of(exc) in absent:
                return None
            raise self._failure(call, exc) from None

    def every(self, call: str, pager: Iterable[Any]) -> list[Any]:
        """Every item of an SDK pager, following nextLink; each page is one request."""
        items: list[Any] = []
        pages: Iterator[Iterable[Any]] = pager.by_page()  # type: ignore[attr-defined]
        while True:
            try:
                page = next(pages)
            except StopIteration:  # the last page had no nextLink: no request was made
                return items
            except AzureError as exc:
                self.log.add(call)
                raise self._failure(call, exc) from None
            self.log.add(call)
            items.extend(page)

    def _failure(self, call: str, exc: BaseException) -> Exception:
        return self._fatal(exc) or ReadFailure(describe(call, exc))
