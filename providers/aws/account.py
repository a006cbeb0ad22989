"""The AWS account as a cloud.account resource: account-wide public access block, root and
console-user MFA."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cloudaudit.providers.aws.calls import read
from cloudaudit.providers.aws.s3 import BLOCK_FLAGS
from cloudaudit.providers.aws.session import AwsSession
from cloudaudit.providers.facts import Facts, Fetcher, ReadFailure


@dataclass(frozen=True)
class AccountContext:
    account: str
    partition: str
    session: AwsSession
    workers: int

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


def _console_users(ctx: AccountContext, facts: Facts) -> dict[str, Any]:
    iam = ctx.session.client("iam")
    users: list[str] = []
    marker = None
    while True:
        params = {"Marker": marker} if marker else {}
        page = read("iam:ListUsers", iam.list_users, **params)
        users.extend(u["UserName"] for u in page.get("Users", []))
        marker = page.get("Marker") if page.get("IsTruncated") else None
        if not marker:
            break

    def console_access(user: str) -> tuple[bool, bool]:
        """(has a console password, has an MFA device)"""
        profile = read("iam:GetLoginProfile", iam.get_login_profile, absent=("NoSuchEntity",), UserName=user)
        if profile is None:
            return False, False
        devices = read("iam:ListMFADevices", iam.list_mfa_devices, UserName=user)
        return True, bool(devices.get("MFADevices"))

    with ThreadPoolExecutor(max_workers=max(1, min(ctx.workers, 8))) as pool:
        answers = list(pool.map(_captured(console_access), users))
    failures = [a for a in answers if isinstance(a, ReadFailure)]
    if failures:
        raise failures[0]
    console = [u for u, (password, _) in zip(users, answers, strict=True) if password]
    without_mfa = [u for u, (password, mfa) in zip(users, answers, strict=True) if password and not mfa]
    return {"identity.console_users": console, "identity.users_without_mfa": without_mfa}


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
        "console_users",
        ("identity.console_users", "identity.users_without_mfa"),
        _console_users,
        calls=("iam:ListUsers", "iam:GetLoginProfile", "iam:ListMFADevices"),
    ),
)
