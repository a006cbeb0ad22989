"""The AWS account as a cloud.account resource: account-wide public access block, root and
console-user MFA."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from cloudaudit.providers.aws.calls import read
from cloudaudit.providers.aws.s3 import BLOCK_FLAGS
from cloudaudit.providers.aws.services import AccountServices
from cloudaudit.providers.aws.session import AwsSession
from cloudaudit.providers.facts import Facts, Fetcher, ReadFailure, SharedReads


@dataclass(frozen=True)
class AccountContext:
    account: str
    partition: str
    session: AwsSession
    workers: int
    services: AccountServices
    shared: SharedReads = field(default_factory=SharedReads)
    """The IAM user list, read once for the fetchers that need it."""

    def users(self) -> list[str]:
        return self.shared.get("users", lambda: _list_users(self.session.client("iam")))

    def per_user(self, ask: Callable[[str], Any]) -> list[Any]:
        """`ask(user)` for every IAM user, a few at a time; the first failure fails them all."""
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, 8))) as pool:
            answers = list(pool.map(_captured(ask), self.users()))
        for answer in answers:
            if isinstance(answer, ReadFailure):
                raise answer
        return answers

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:root"


def _account_block(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    s3control = ctx.session.client("s3control")
    response = read(
        "s3control:GetPublicAccessBlock",
        s3control.get_public_access_block,
        absent=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=ctx.account,
    )
    flags = (response or {}).get("PublicAccessBlockConfiguration", {})
    values: dict[str, Any] = {
        f"public_access.account_block.{ours}": bool(flags.get(theirs)) for theirs, ours in BLOCK_FLAGS
    }
    values["public_access.blocked"] = all(values.values())
    return values


def _summary(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    iam = ctx.session.client("iam")
    summary = read("iam:GetAccountSummary", iam.get_account_summary)["SummaryMap"]
    return {
        "identity.root_mfa": summary.get("AccountMFAEnabled") == 1,
        "identity.root_access_keys": summary.get("AccountAccessKeysPresent", 0) > 0,
    }


def _policy_change_alerts(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    return {"logging.policy_change_alerts": ctx.services.alerts_on_bucket_policy_changes()}


def _list_users(iam: Any) -> list[str]:
    users: list[str] = []
    marker = None
    while True:
        params = {"Marker": marker} if marker else {}
        page = read("iam:ListUsers", iam.list_users, **params)
        users.extend(u["UserName"] for u in page.get("Users", []))
        marker = page.get("Marker") if page.get("IsTruncated") else None
        if not marker:
            return users


def _console_users(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    iam = ctx.session.client("iam")

    def console_access(user: str) -> tuple[bool, bool]:
        """(has a console password, has an MFA device)"""
        profile = read("iam:GetLoginProfile", iam.get_login_profile, absent=("NoSuchEntity",), UserName=user)
        if profile is None:
            return False, False
        devices = read("iam:ListMFADevices", iam.list_mfa_devices, UserName=user)
        return True, bool(devices.get("MFADevices"))

    answers = ctx.per_user(console_access)
    users = ctx.users()
    console = [u for u, (password, _) in zip(users, answers, strict=True) if password]
    without_mfa = [u for u, (password, mfa) in zip(users, answers, strict=True) if password and not mfa]
    return {"identity.console_users": console, "identity.users_without_mfa": without_mfa}


def _access_keys(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    iam = ctx.session.client("iam")
    now = dt.datetime.now(dt.timezone.utc)

    def keys_of(user: str) -> list[dict[str, Any]]:
        listed = read("iam:ListAccessKeys", iam.list_access_keys, UserName=user)
        return [
            {
                "user": user,
                "active": key.get("Status") == "Active",
                "age_days": (now - key["CreateDate"]).days if key.get("CreateDate") else None,
            }
            for key in listed.get("AccessKeyMetadata", [])
        ]

    return {"identity.access_keys": [key for keys in ctx.per_user(keys_of) for key in keys]}


def _root_hardware_mfa(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    """Root's MFA is a hardware device when root has MFA and no virtual device is root's."""
    if not facts.get("identity.root_mfa"):
        return {"identity.root_hardware_mfa": False}
    iam = ctx.session.client("iam")
    devices = read("iam:ListVirtualMFADevices", iam.list_virtual_mfa_devices, AssignmentStatus="Assigned")
    virtual_root = any(
        d.get("User", {}).get("Arn", "").endswith(":root") or d.get("SerialNumber", "").endswith(":mfa/root-account-mfa-device")
        for d in devices.get("VirtualMFADevices", [])
    )
    return {"identity.root_hardware_mfa": not virtual_root}


def _captured(function: Any) -> Any:
    def call(*args: Any) -> Any:
        try:
            return function(*args)
        except ReadFailure as failure:
            return failure

    return call


_ACCOUNT_FLAG_PATHS = tuple(f"public_access.account_block.{ours}" for _, ours in BLOCK_FLAGS)

ACCOUNT_FETCHERS: tuple[Fetcher[AccountContext], ...] = (
    Fetcher(
        "account_block",
        _ACCOUNT_FLAG_PATHS + ("public_access.blocked",),
        _account_block,
        calls=("s3control:GetPublicAccessBlock",),
    ),
    Fetcher("summary", ("identity.root_mfa", "identity.root_access_keys"), _summary, calls=("iam:GetAccountSummary",)),
    Fetcher(
        "root_hardware_mfa",
        ("identity.root_hardware_mfa",),
        _root_hardware_mfa,
        calls=("iam:ListVirtualMFADevices",),
        requires=("summary",),
    ),
    Fetcher(
        "console_users",
        ("identity.console_users", "identity.users_without_mfa"),
        _console_users,
        calls=("iam:ListUsers", "iam:GetLoginProfile", "iam:ListMFADevices"),
    ),
    Fetcher("access_keys", ("identity.access_keys",), _access_keys, calls=("iam:ListUsers", "iam:ListAccessKeys")),
    Fetcher(
        "policy_change_alerts",
        ("logging.policy_change_alerts",),
        _policy_change_alerts,
        calls=("cloudtrail:DescribeTrails", "logs:DescribeMetricFilters", "cloudwatch:DescribeAlarmsForMetric"),
    ),
)
