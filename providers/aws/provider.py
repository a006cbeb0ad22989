"""The AWS adapter: the account, then every S3 bucket, read concurrently."""

from __future__ import annotations

from typing import Any, Iterator

import botocore.exceptions

from cloudaudit.errors import ScanCannotRun
from cloudaudit.model import CollectionIssue, Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.aws import OPTIONS
from cloudaudit.providers.aws.account import ACCOUNT_FETCHERS, AccountContext
from cloudaudit.providers.aws.bucket_regions import BucketRegions
from cloudaudit.providers.aws.calls import read
from cloudaudit.providers.aws.errors import describe, fatal_for_scan
from cloudaudit.providers.aws.read_only_models import read_only_session
from cloudaudit.providers.aws.s3 import BUCKET_FETCHERS, BucketContext
from cloudaudit.providers.aws.services import AccountServices
from cloudaudit.providers.aws.session import AwsSession
from cloudaudit.providers.concurrency import keep_resources, map_concurrently
from cloudaudit.providers.facts import Facts, FetchPlan, ReadFailure, plan_fetchers
from cloudaudit.providers.interface import AccountRef, CollectionPlan, CollectionResult, Provider
from cloudaudit.redact import one_line

LIST_PAGE_SIZE = 10000


class AwsProvider(Provider):
    name = "aws"
    options = OPTIONS

    def collect(self, plan: CollectionPlan, progress: Progress) -> CollectionResult:
        session = self._open_session()
        account = self._caller_account(session)
        partition = session.partition(session.home_region)
        result = CollectionResult(accounts=[AccountRef("aws", account)])

        bucket_plan: FetchPlan[BucketContext] = (
            plan_fetchers(BUCKET_FETCHERS, lambda paths: plan.wants_any("storage.bucket", paths))
            if plan.wants_type("storage.bucket")
            else FetchPlan()
        )
        # Buckets judge public access with the account-wide block too: read it once, here.
        account_plan = plan_fetchers(
            ACCOUNT_FETCHERS,
            lambda paths: plan.wants_any("cloud.account", paths),
            also=("account_block",) if "account_block" in bucket_plan.names else (),
        )
        services = AccountServices(session)
        account_ctx = AccountContext(account, partition, session, self.workers, services)
        account_facts = account_plan.run(account_ctx)
        if plan.wants_type("cloud.account"):
            result.resources.append(self._account_resource(account_ctx, account_facts))
        if plan.wants_type("storage.bucket"):
            result.resources.extend(
                self._buckets(session, account, partition, bucket_plan, account_facts, services, result, progress)
            )
        result.api_calls.update(session.calls)
        return result

    # -- session and identity ----------------------------------------------------------------

    def _open_session(self) -> AwsSession:
        profile = self.settings.get("profile")
        try:
            session = AwsSession(profile, self.workers)
        except botocore.exceptions.BotoCoreError as exc:
            raise fatal_for_scan(exc, None) or ScanCannotRun(f"aws: {one_line(str(exc))}") from None
        role_arn = self.settings.get("role_arn")
        if role_arn:
            session = self._assume_role(session, role_arn)
        return session

    def _assume_role(self, session: AwsSession, role_arn: str) -> AwsSession:
        params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "cloudaudit"}
        if self.settings.get("external_id"):
            params["ExternalId"] = self.settings["external_id"]
        try:
            credentials = session.client("sts").assume_role(**params)["Credentials"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            fatal = fatal_for_scan(exc, None)
            raise fatal or ScanCannotRun(f"aws: cannot assume {role_arn}: {describe('sts:AssumeRole', exc)}") from None
        assumed = read_only_session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=session.home_region,
        )
        child = AwsSession(None, self.workers, session=assumed)
        child.calls.update(session.calls)
        return child

    def _caller_account(self, session: AwsSession) -> str:
        """The first call: it proves the credentials work (creating a client resolves them)."""
        sts = None
        try:
            sts = session.client("sts")
            return sts.get_caller_identity()["Account"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            fatal = fatal_for_scan(exc, sts.meta.endpoint_url if sts else None)
            raise fatal or ScanCannotRun(f"aws: {describe('sts:GetCallerIdentity', exc)}") from None

    # -- account -----------------------------------------------------------------------------

    def _account_resource(self, ctx: AccountContext, facts: Facts) -> Resource:
        name = ctx.account
        try:
            aliases = read("iam:ListAccountAliases", ctx.session.client("iam").list_account_aliases)
            name = next(iter(aliases.get("AccountAliases", [])), ctx.account)
        except ReadFailure:
            pass  # the alias is only a display name; the account id stands in
        properties, tags, raw, errors = facts.split()
        return Resource("aws", "cloud.account", ctx.arn, name, ctx.account, None, tags, properties, raw, errors)

    # -- buckets -----------------------------------------------------------------------------

    def _buckets(
        self,
        session: AwsSession,
        account: str,
        partition: str,
        fetch_plan: FetchPlan[BucketContext],
        account_facts: Facts,
        services: AccountServices,
        result: CollectionResult,
        progress: Progress,
    ) -> list[Resource]:
        try:
            listed = list(self._list_buckets(session))
        except ReadFailure as failure:
            result.issues.append(CollectionIssue("aws", account, "s3:ListBuckets", failure.reason))
            return []
        regions = BucketRegions(session, {name: region for name, region in listed if region})
        account_block = _account_block_values(account_facts)
        wanted_regions = {r.lower() for r in self.settings.get("regions") or ()}

        def collect_one(item: tuple[str, str | None]) -> Resource | CollectionIssue | None:
            name, _ = item
            try:
                region = regions.region(name)
                if wanted_regions and region not in wanted_regions:
                    return None
                ctx = BucketContext(name, region, account, partition, session, account_block, services, regions)
                return _bucket_resource(ctx, fetch_plan.run(ctx))
            except ReadFailure as failure:
                return _unreadable_bucket(name, account, partition, fetch_plan, failure)
            except Exception as exc:  # noqa: BLE001 - one bucket's surprise must not stop the scan
                return CollectionIssue("aws", account, f"arn:{partition}:s3:::{name}", one_line(f"internal error: {type(exc).__name__}: {exc}"))

        outcomes = map_concurrently(collect_one, listed, self.workers, progress, f"aws {account}: buckets")
        return keep_resources(outcomes, result)

    def _list_buckets(self, session: AwsSession) -> Iterator[tuple[str, str | None]]:
        s3 = session.client("s3")
        token = None
        while True:
            params: dict[str, Any] = {"MaxBuckets": LIST_PAGE_SIZE}
            if token:
                params["ContinuationToken"] = token
            try:
                page = s3.list_buckets(**params)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
                fatal = fatal_for_scan(exc, s3.meta.endpoint_url)
                if fatal:
                    raise fatal from None
                raise ReadFailure(describe("s3:ListBuckets", exc)) from None
            for bucket in page.get("Buckets", []):
                region = bucket.get("BucketRegion")
                yield bucket["Name"], region.lower() if region else None
            token = page.get("ContinuationToken")
            if not token:
                return


def _account_block_values(facts: Facts) -> dict[str, bool] | ReadFailure | None:
    prefix = "public_access.account_block."
    for path, reason in facts.errors.items():
        if path.startswith(prefix):
            return ReadFailure(reason)
    values = {p[len(prefix):]: v for p, v in facts.values.items() if p.startswith(prefix)}
    return values or None


def _bucket_resource(ctx: BucketContext, facts: Facts) -> Resource:
    properties, tags, raw, errors = facts.split()
    return Resource("aws", "storage.bucket", ctx.arn, ctx.name, ctx.account, ctx.region, tags, properties, raw, errors)


def _unreadable_bucket(name: str, account: str, partition: str, plan: FetchPlan[BucketContext], failure: ReadFailure) -> Resource:
    """A bucket whose region could not be read: every fact it would have had is unreadable."""
    facts = Facts()
    for fetcher in plan.fetchers:
        facts.fail(fetcher.provides, failure.reason)
    properties, tags, raw, errors = facts.split()
    return Resource("aws", "storage.bucket", f"arn:{partition}:s3:::{name}", name, account, None, tags, properties, raw, errors)
