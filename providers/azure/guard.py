"""Keep one surprising answer to one resource's facts.

An SDK model without the attribute a fetcher expects, or a value it cannot normalise, must not
drop the whole storage account from the scan: the facts of that fetcher become unreadable (so
their rules give ERROR, with the reason) and the other fetchers go on.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Sequence, TypeVar

from cloudaudit.errors import ScanCannotRun
from cloudaudit.providers.facts import Facts, Fetcher, ReadFailure
from cloudaudit.redact import one_line

Target = TypeVar("Target")


def guarded(fetchers: Sequence[Fetcher[Target]]) -> tuple[Fetcher[Target], ...]:
    return tuple(replace(fetcher, read=_guard(fetcher)) for fetcher in fetchers)


def _guard(fetcher: Fetcher[Any]) -> Callable[[Any, Facts], Any]:
    where = fetcher.calls[0] if fetcher.calls else f"{fetcher.name} settings"

    def read(target: Any, facts: Facts) -> Any:
        try:
            return fetcher.read(target, facts)
        except (ReadFailure, ScanCannotRun):
            raise
        except Exception as exc:  # noqa: BLE001 - becomes an ERROR with its reason, never a verdict
            raise ReadFailure(one_line(f"{where}: unexpected answer ({type(exc).__name__}: {exc})")) from None

    return read
