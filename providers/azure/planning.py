"""Which fetchers a scan runs for one resource type, from what the selected rules read."""

from __future__ import annotations

from typing import Sequence, TypeVar

from cloudaudit.providers.facts import Fetcher, FetchPlan, plan_fetchers
from cloudaudit.providers.interface import CollectionPlan

Target = TypeVar("Target")


def fetchers_for(plan: CollectionPlan, resource_type: str, fetchers: Sequence[Fetcher[Target]], also: Sequence[str] = ()) -> FetchPlan[Target]:
    """The fetchers whose paths rules read on `resource_type` (none when no rule checks that
    type), plus those named in `also` (facts another resource type reads)."""
    wanted = plan.wants_type(resource_type)
    if not wanted and not also:
        return FetchPlan()
    return plan_fetchers(fetchers, lambda paths: wanted and plan.wants_any(resource_type, paths), also=also)
