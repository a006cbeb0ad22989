"""Reading many resources at once: a bounded thread pool that keeps a progress line going."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Sequence, TypeVar

from cloudaudit.model import CollectionIssue, Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.interface import CollectionResult

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


def map_concurrently(
    work: Callable[[Item], Outcome], items: Sequence[Item], workers: int, progress: Progress, label: str
) -> list[Outcome]:
    """`work(item)` for every item, `workers` at a time, results in the items' order."""

    def one(item: Item) -> Outcome:
        try:
            return work(item)
        finally:
            progress.advance()

    progress.start(label, len(items))
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, items))
    finally:
        progress.finish()


def keep_resources(outcomes: Iterable[Resource | CollectionIssue | None], result: CollectionResult) -> list[Resource]:
    """The resources among the outcomes; issues go to `result`, None (skipped) is dropped."""
    resources = []
    for outcome in outcomes:
        if isinstance(outcome, Resource):
            resources.append(outcome)
        elif isinstance(outcome, CollectionIssue):
            result.issues.append(outcome)
    return resources
