"""ARM resource ids: /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}..."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountId:
    subscription: str
    resource_group: str
    name: str

    @property
    def arm_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Storage/storageAccounts/{self.name}"
        )


def parse_account_id(arm_id: str) -> AccountId:
    """The parts of a storage account id; ValueError when it is not one."""
    parts = arm_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        subscription = parts[lowered.index("subscriptions") + 1]
        resource_group = parts[lowered.index("resourcegroups") + 1]
        name = parts[lowered.index("storageaccounts") + 1]
    except (ValueError, IndexError):
        raise ValueError(f"not a storage account id: {arm_id!r}") from None
    return AccountId(subscription, resource_group, name)


def scope_of_lock(lock_id: str) -> str:
    """/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/locks/x -> the scope
    it protects (/subscriptions/s/resourceGroups/rg), lower-case for comparison."""
    marker = "/providers/microsoft.authorization/locks/"
    lowered = lock_id.lower()
    index = lowered.rfind(marker)
    return lowered[:index] if index >= 0 else lowered
