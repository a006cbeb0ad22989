"""What a container or share fetcher knows: the listed item, its account, the account's facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from cloudaudit.providers.azure.ids import AccountId
from cloudaudit.providers.facts import Facts


@dataclass(frozen=True)
class SubResource:
    item: Any
    """The SDK item as its list operation returned it."""
    where: AccountId
    account_facts: Facts
    """The account's facts, for settings the account decides for everything below it."""

    collection: ClassVar[str]
    """Where such items live below the account, e.g. blobServices/default/containers."""

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def arm_id(self) -> str:
        return self.item.id or f"{self.where.arm_id}/{self.collection}/{self.name}"
