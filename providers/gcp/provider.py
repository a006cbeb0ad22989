"""The GCP adapter: each project as a cloud.account resource, then its buckets, listed and read
concurrently; project-wide settings are read once per project and shared (project.py)."""

from __future__ import annotations

import re
from typing import Any, Sequence

from cloudaudit.errors import InputError, ScanCannotRun
from cloudaudit.model import CollectionIssue, Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.concurrency import keep_resources, map_concurrently
from cloudaudit.providers.facts import Facts, FetchPlan, ReadFailure, plan_fetchers
from cloudaudit.providers.gcp import OPTIONS
from cloudaudit.providers.gcp.buckets import BUCKET_FETCHERS, LIST_CALL, BucketContext
from cloudaudit.providers.gcp.calls import read_pages
from cloudaudit.providers.gcp.errors import fatal_for_scan
from cloudaudit.providers.gcp.kms import KmsKeys
from cloudaudit.providers.gcp.locations import location_code
from cloudaudit.providers.gcp.project import PROJECT_FETCHERS, ProjectReads
from cloudaudit.providers.gcp.session import GcpIdentity, GcsSession, open_identity
from cloudaudit.providers.interface import AccountRef, CollectionPlan, CollectionResult, Provider
from cloudaudit.redact import one_line

PROJECT_ID = re.compile(r"^([a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")
"""A project id, optionally behind a legacy domain prefix (example.com:my-project)."""


class GcpProvider(Provider):
    name = "gcp"
    options = OPTIONS

    def collect(self, plan: CollectionPlan, progress: Progress) -> CollectionResult:
        identity = open_identity(self.settings.get("credentials_file"))
        projects = self._projects(identity)
        session = GcsSession(identity, projects[0], self.workers)
        result = CollectionResult(accounts=[AccountRef("gcp", p) for p in projects])
        project_plan = plan_fetchers(PROJECT_FETCHERS, lambda paths: plan.wants_any("cloud.account", paths))
        bucket_plan = plan_fetchers(BUCKET_FETCHERS, lambda paths: plan.wants_any("storage.bucket", paths))
        keys = KmsKeys(session)
        for project in projects:
            reads = ProjectReads(project, session)
            if plan.wants_type("cloud.account"):
                result.resources.append(_project_resource(reads, project_plan.run(reads)))
            if plan.wants_type("storage.bucket"):
                result.resources.extend(self._buckets(reads, keys, bucket_plan, result, progress))
        result.api_calls.update(session.calls)
        return result

    def _projects(self, identity: GcpIdentity) -> list[str]:
        given = list(dict.fromkeys(self.settings.get("projects") or ()))
        for project in given:
            if not PROJECT_ID.match(project):
                raise InputError(
                    f"--gcp-project {project}: not a project id (expected 6-30 lower-case letters, "
                    "digits or hyphens, starting with a letter)"
                )
        if given:
            return given
        if identity.default_project:
            return [identity.default_project]
        raise InputError(
            "--gcp-project: no project given and the credentials name none "
            "(pass --gcp-project PROJECT_ID, repeatable, or set GOOGLE_CLOUD_PROJECT)"
        )

    def _buckets(
        self,
        reads: ProjectReads,
        keys: KmsKeys,
        fetch_plan: FetchPlan[BucketContext],
        result: CollectionResult,
        progress: Progress,
    ) -> list[Resource]:
        project, session = reads.project, reads.session
        try:
            listed = _list_buckets(session, project)
        except ReadFailure as failure:
            result.issues.append(CollectionIssue("gcp", project, LIST_CALL, failure.reason))
            return []

        def collect_one(bucket: Any) -> Resource | CollectionIssue:
            ctx = BucketContext(bucket, reads, keys)
            try:
                return _bucket_resource(ctx, fetch_plan.run(ctx))
            except ScanCannotRun:
                raise  # credentials that no API accepts: the scan stops, as for the listing
            except Exception as exc:  # noqa: BLE001 - one bucket's surprise must not stop the scan
                return CollectionIssue("gcp", project, ctx.url, one_line(f"internal error: {type(exc).__name__}: {exc}"))

        outcomes = map_concurrently(collect_one, listed, self.workers, progress, f"gcp {project}: buckets")
        return keep_resources(outcomes, result)


def _list_buckets(session: GcsSession, project: str) -> Sequence[Any]:
    """Every bucket of the project with its metadata (one call per page). A failure that
    means no call can succeed (credentials, an unreachable endpoint) raises ScanCannotRun; any
    other raises ReadFailure."""
    iterator = session.client.list_buckets(project=project, retry=session.retry)
    return read_pages(session, LIST_CALL, iterator, lambda exc: fatal_for_scan(exc, session.endpoint))


def _project_resource(reads: ProjectReads, facts: Facts) -> Resource:
    properties, tags, raw, errors = facts.split()
    return Resource("gcp", "cloud.account", reads.id, reads.project, reads.project, None, tags, properties, raw, errors)


def _bucket_resource(ctx: BucketContext, facts: Facts) -> Resource:
    properties, tags, raw, errors = facts.split()
    region = location_code(ctx.bucket.location)
    return Resource("gcp", "storage.bucket", ctx.url, ctx.name, ctx.project, region, tags, properties, raw, errors)
