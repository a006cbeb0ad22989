"""File shares (storage.share): protocol, root squash, quota, and the file service settings
that govern them (share soft delete, SMB versions and channel encryption)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from cloudaudit.providers.azure import normalise
from cloudaudit.providers.azure.guard import guarded
from cloudaudit.providers.azure.subresources import SubResource
from cloudaudit.providers.facts import Facts, Fetcher

SERVICE_PATHS = ("retention.soft_delete_days", "transport.smb_versions", "transport.smb_channel_encryption")
ACCOUNT_PATHS = ("retention.share_soft_delete_days", "transport.smb_versions", "transport.smb_channel_encryption")


@dataclass(frozen=True)
class ShareContext(SubResource):
    """A FileShareItem from FileShares_List, with its account."""

    collection: ClassVar[str] = "fileServices/default/shares"


def _share(ctx: ShareContext, facts: Facts) -> dict[str, Any]:
    props = ctx.item.properties
    protocol = ((normalise.text(props.enabled_protocols) if props else None) or "SMB").upper()
    return {
        "share.protocol": protocol,
        "share.root_squash": normalise.text(props.root_squash) if props and protocol == "NFS" else None,
        "share.quota_gib": props.share_quota if props else None,
        "share.access_tier": normalise.text(props.access_tier) if props else None,
    }


def _service(ctx: ShareContext, facts: Facts) -> dict[str, Any]:
    return {ours: ctx.account_facts.get(theirs) for ours, theirs in zip(SERVICE_PATHS, ACCOUNT_PATHS)}


SHARE_FETCHERS: tuple[Fetcher[ShareContext], ...] = guarded((
    Fetcher("share", ("share.protocol", "share.root_squash", "share.quota_gib", "share.access_tier"), _share),
    Fetcher("service", SERVICE_PATHS, _service, calls=("storage:FileServices_GetServiceProperties",)),
))

ACCOUNT_FACTS_NEEDED = {"service": ("file_service",)}
"""Share fetcher -> the account fetchers whose facts it reads."""
