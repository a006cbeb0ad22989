"""Management-plane mode: every subscription, its storage accounts read concurrently, and each
account's containers and shares."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from cloudaudit.errors import InputError, ScanCannotRun
from cloudaudit.model import CollectionIssue, Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.azure import containers, shares
from cloudaudit.providers.azure.accounts import ACCOUNT_FETCHERS, LIST_CALL, NO_BLOB_SERVICE, NO_FILE_SERVICE, AccountContext
from cloudaudit.providers.azure.arm import ArmSession
from cloudaudit.providers.azure.containers import CONTAINER_FETCHERS, ContainerContext
from cloudaudit.providers.azure.ids import AccountId, parse_account_id
from cloudaudit.providers.azure.planning import fetchers_for
from cloudaudit.providers.azure.shares import SHARE_FETCHERS, ShareContext
from cloudaudit.providers.azure.subscription import SUBSCRIPTION_FETCHERS, SubscriptionContext, SubscriptionShared
from cloudaudit.providers.concurrency import map_concurrently
from cloudaudit.providers.facts import Facts, FetchPlan, ReadFailure
from cloudaudit.providers.interface import AccountRef, CollectionPlan, CollectionResult
from cloudaudit.redact import one_line

SUBSCRIPTIONS_API = "2022-12-01"
UNREADABLE_STATES = frozenset({"Disabled", "Deleted"})
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Plans:
    """The fetchers to run for each resource type, decided once from the collection plan."""

    accounts: FetchPlan[AccountContext]
    containers: FetchPlan[ContainerContext]
    shares: FetchPlan[ShareContext]
    subscription: FetchPlan[SubscriptionContext]
    want_accounts: bool
    want_subscription: bool

    @classmethod
    def from_plan(cls, plan: CollectionPlan) -> "Plans":
        container_plan = fetchers_for(plan, "storage.container", CONTAINER_FETCHERS)
        share_plan = fetchers_for(plan, "storage.share", SHARE_FETCHERS)
        also = [
            account_fetcher
            for needs, fetch_plan in ((containers.ACCOUNT_FACTS_NEEDED, container_plan), (shares.ACCOUNT_FACTS_NEEDED, share_plan))
            for name, account_fetchers in needs.items()
            if name in fetch_plan.names
            for account_fetcher in account_fetchers
        ]
        account_plan = fetchers_for(plan, "storage.account", ACCOUNT_FETCHERS, also=also)
        return cls(
            accounts=account_plan,
            containers=container_plan,
            shares=share_plan,
            subscription=fetchers_for(plan, "cloud.account", SUBSCRIPTION_FETCHERS),
            want_accounts=plan.wants_type("storage.account"),
            want_subscription=plan.wants_type("cloud.account"),
        )


@dataclass
class _Outcome:
    resources: list[Resource] = field(default_factory=list)
    issues: list[CollectionIssue] = field(default_factory=list)


class ManagementCollector:
    def __init__(self, session: ArmSession, settings: Mapping[str, Any], workers: int):
        self.session = session
        self.settings = settings
        self.workers = workers
        self.now = dt.datetime.now(dt.timezone.utc)

    def collect(self, plan: CollectionPlan, progress: Progress) -> CollectionResult:
        plans = Plans.from_plan(plan)
        result = CollectionResult()
        subscriptions = self._subscriptions(result)
        result.accounts.extend(AccountRef("azure", sub, name) for sub, name in subscriptions)
        shared = {sub: SubscriptionShared(sub, self.session) for sub, _ in subscriptions}
        listed: list[tuple[Any, AccountId]] = []
        for sub, name in subscriptions:
            if plans.want_subscription:
                result.resources.append(self._subscription_resource(sub, name, plans.subscription))
            if plans.accounts.fetchers or plans.want_accounts or plans.containers.fetchers or plans.shares.fetchers:
                listed.extend(self._list_accounts(sub, result))

        def collect_one(item: tuple[Any, AccountId]) -> _Outcome:
            account, where = item
            try:
                return self._account(account, where, shared[where.subscription], plans)
            except ScanCannotRun:
                raise
            except Exception as exc:  # noqa: BLE001 - one account's surprise must not stop the scan
                return _Outcome(issues=[CollectionIssue("azure", where.subscription, where.arm_id, one_line(f"internal error: {type(exc).__name__}: {exc}"))])

        outcomes = map_concurrently(collect_one, listed, self.workers, progress, "azure: storage accounts")
        for outcome in outcomes:
            result.resources.extend(outcome.resources)
            result.issues.extend(outcome.issues)
        result.api_calls.update(self.session.log.counts)
        return result

    # -- subscriptions -----------------------------------------------------------------------

    def _subscriptions(self, result: CollectionResult) -> list[tuple[str, str]]:
        """(id, display name) of every subscription to scan."""
        given = list(self.settings.get("subscriptions") or ())
        for sub in given:
            if not _GUID.match(sub):
                raise InputError(f"--subscription {sub}: expected a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)")
        try:
            visible = self.session.list("resources:Subscriptions_List", "/subscriptions", SUBSCRIPTIONS_API)
        except ReadFailure as failure:
            if given:  # an identity may read a subscription without being able to list them
                return [(sub, sub) for sub in given]
            raise ScanCannotRun(f"azure: cannot list subscriptions: {failure.reason}") from None
        names = {s.get("subscriptionId", "").lower(): (s.get("displayName") or "", s.get("state") or "") for s in visible}
        if given:
            return [(sub, names.get(sub.lower(), (sub, ""))[0] or sub) for sub in given]
        chosen = []
        for entry in visible:
            sub = entry.get("subscriptionId") or ""
            if entry.get("state") in UNREADABLE_STATES:
                result.issues.append(CollectionIssue("azure", sub, "subscription", f"skipped: the subscription is {entry.get('state')}"))
                continue
            chosen.append((sub, entry.get("displayName") or sub))
        if not chosen:
            raise ScanCannotRun("azure: this identity sees no enabled subscription: grant it Reader on the subscriptions to scan, or name them with --subscription")
        return chosen

    def _subscription_resource(self, sub: str, name: str, fetch_plan: FetchPlan[SubscriptionContext]) -> Resource:
        facts = fetch_plan.run(SubscriptionContext(sub, self.session))
        properties, tags, raw, errors = facts.split()
        return Resource("azure", "cloud.account", f"/subscriptions/{sub}", name, sub, None, tags, properties, raw, errors)

    def _list_accounts(self, sub: str, result: CollectionResult) -> list[tuple[Any, AccountId]]:
        try:
            accounts = self.session.reader.every(LIST_CALL, self.session.storage(sub).storage_accounts.list())
        except ReadFailure as failure:
            result.issues.append(CollectionIssue("azure", sub, LIST_CALL, failure.reason))
            return []
        listed = []
        for account in accounts:
            try:
                listed.append((account, parse_account_id(account.id or "")))
            except ValueError as exc:
                result.issues.append(CollectionIssue("azure", sub, LIST_CALL, one_line(str(exc))))
        return listed

    # -- one storage account -----------------------------------------------------------------

    def _account(self, account: Any, where: AccountId, shared: SubscriptionShared, plans: Plans) -> _Outcome:
        outcome = _Outcome()
        ctx = AccountContext(account, where, self.session, shared, self.now)
        facts = plans.accounts.run(ctx)
        region = facts.peek("location.region")
        if plans.want_accounts:
            outcome.resources.append(_resource("storage.account", where.arm_id, where.name, where.subscription, region, facts))
        kind = ctx.kind
        storage = self.session.storage(where.subscription)
        if plans.containers.fetchers and kind not in NO_BLOB_SERVICE:
            try:
                items = self.session.reader.every(
                    "storage:BlobContainers_List", storage.blob_containers.list(where.resource_group, where.name)
                )
            except ReadFailure as failure:
                outcome.issues.append(CollectionIssue("azure", where.subscription, f"{where.arm_id}/blobServices/default/containers", failure.reason))
                items = []
            for item in items:
                container = ContainerContext(item, where, facts, self.session)
                container_facts = plans.containers.run(container)
                outcome.resources.append(
                    _resource("storage.container", container.arm_id, f"{where.name}/{container.name}", where.subscription, region, container_facts)
                )
        if plans.shares.fetchers and kind not in NO_FILE_SERVICE:
            try:
                items = self.session.reader.every("storage:FileShares_List", storage.file_shares.list(where.resource_group, where.name))
            except ReadFailure as failure:
                outcome.issues.append(CollectionIssue("azure", where.subscription, f"{where.arm_id}/fileServices/default/shares", failure.reason))
                items = []
            for item in items:
                share = ShareContext(item, where, facts)
                outcome.resources.append(
                    _resource("storage.share", share.arm_id, f"{where.name}/{share.name}", where.subscription, region, plans.shares.run(share))
                )
        return outcome


def _resource(rtype: str, arm_id: str, name: str, subscription: str, region: str | None, facts: Facts) -> Resource:
    properties, tags, raw, errors = facts.split()
    return Resource("azure", rtype, arm_id, name, subscription, region, tags, properties, raw, errors)
