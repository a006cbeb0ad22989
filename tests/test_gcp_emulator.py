"""The GCP adapter with the real google-cloud-storage client, over HTTP, against
gcp-storage-emulator (behind a recording proxy that can also refuse chosen requests)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

import pytest

from cloudaudit.errors import InputError
from cloudaudit.model import Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.facts import plan_fetchers
from cloudaudit.providers.gcp.buckets import BUCKET_FETCHERS
from cloudaudit.providers.gcp.provider import GcpProvider
from cloudaudit.providers.interface import CollectionPlan, CollectionResult
from cloudaudit.vocabulary import vocabulary
from tests.support.gcs_emulator import (  # noqa: F401 - fixtures
    CMEK,
    DENIED_IAM_BUCKET,
    PROJECT,
    TENANT_BUCKETS,
    GcsEmulator,
    build_tenant,
    deny_iam_of,
    forbidden,
    gcs,
    gcs_emulator,
    google_env,
)
from tests.support.http_proxy import RecordingProxy

IAM_PATHS = {
    "public_access.policy_public",
    "public_access.policy_public_members",
    "identity.members",
    "identity.external_members",
    "identity.member_domains",
}


@pytest.fixture
def tenant(gcs: GcsEmulator, google_env: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    """The practice's project in the emulator, reached through a proxy that records every
    request and refuses getIamPolicy on scans-london."""
    build_tenant(gcs)
    proxy = RecordingProxy(gcs.port, respond=deny_iam_of(DENIED_IAM_BUCKET)).start()
    google_env.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    yield proxy
    proxy.stop()


def collect(plan: CollectionPlan = CollectionPlan(), workers: int = 4, **settings: Any) -> CollectionResult:
    settings.setdefault("projects", [PROJECT])
    return GcpProvider(settings, workers).collect(plan, Progress())


def by_name(result: CollectionResult) -> dict[str, Resource]:
    return {r.name: r for r in result.resources}


def test_every_bucket_is_collected_as_a_gs_resource_of_its_project(tenant):
    result = collect()
    assert sorted(by_name(result)) == sorted(TENANT_BUCKETS)
    paris = by_name(result)["phi-paris"]
    assert (paris.provider, paris.type, paris.id, paris.account, paris.region) == (
        "gcp", "storage.bucket", "gs://phi-paris", PROJECT, "europe-west9"
    )
    assert paris.tags == {"env": "prod", "data": "phi"}
    assert [a.id for a in result.accounts] == [PROJECT]
    assert result.issues == []


def test_a_bucket_with_every_protection(tenant):
    p = by_name(collect())["phi-paris"].properties
    assert p["location"] == {"region": "europe-west9", "type": "region", "data_regions": ["europe-west9"], "replica_regions": []}
    assert p["encryption"] == {"at_rest": True, "algorithm": "cloud-kms", "key_id": CMEK, "key_managed_by": "customer"}
    assert p["public_access"]["acls_disabled"] is True
    assert p["public_access"]["prevention"] == "enforced"
    assert p["public_access"]["blocked"] is True
    assert p["public_access"]["public"] is False
    assert p["versioning"] == {"enabled": True, "status": "Enabled"}
    assert p["retention"] == {"soft_delete_days": 30, "object_lock": True, "days": 30, "mode": "LOCKED", "locked": True}
    assert p["logging"] == {"access_logs": True, "target": "cabinet-logs/phi-paris/"}
    assert p["lifecycle"] == {"enabled": True, "rule_count": 1}
    assert p["identity"]["member_domains"] == ["cabinet-martin.fr"]
    assert p["identity"]["external_members"] == ["user:ana@cabinet-martin.fr"]
    assert p["replication"] == {"enabled": False, "destinations": []}


def test_a_public_bucket_is_public_through_iam_and_acl(tenant):
    bucket = by_name(collect())["public-us"]
    access = bucket.properties["public_access"]
    assert access["policy_public"] is True
    assert access["policy_public_members"] == ["allUsers (roles/storage.objectViewer)"]
    assert access["acl_public"] is True and access["acl_public_grantees"] == ["allUsers"]
    assert access["prevention"] == "inherited" and access["public"] is True
    assert bucket.properties["retention"]["soft_delete_days"] == 0
    assert bucket.properties["identity"]["member_domains"] == ["gmail.com"]
    assert bucket.properties["location"]["type"] == "multi-region"
    assert bucket.region == "us"
    assert bucket.properties["encryption"]["key_managed_by"] == "provider"


def test_a_predefined_dual_region_names_both_regions(tenant):
    p = by_name(collect())["backup-eur4"].properties
    assert p["location"]["region"] == "eur4"
    assert p["location"]["replica_regions"] == ["europe-north1", "europe-west4"]
    assert p["replication"]["enabled"] is True
    assert p["retention"]["locked"] is False and p["retention"]["mode"] == "UNLOCKED"


def test_a_denied_get_iam_policy_makes_only_what_depends_on_it_unreadable(tenant):
    london = by_name(collect())[DENIED_IAM_BUCKET]
    assert set(london.errors) == IAM_PATHS | {"public_access.public"}
    reason = london.errors["public_access.policy_public"]
    assert reason.startswith("storage.buckets.getIamPolicy: HTTP 403 forbidden: ")
    assert "storage.buckets.getIamPolicy" in reason and "\n" not in reason
    assert london.properties["public_access"]["acl_public"] is False
    assert london.properties["location"]["region"] == "europe-west2"


def test_every_path_the_adapter_sets_is_in_the_vocabulary(tenant):
    for resource in collect().resources:
        assert vocabulary().unknown_paths("storage.bucket", resource.properties) == [], resource.name


def test_the_scan_only_reads(tenant):
    collect()
    methods = Counter(r.method for r in tenant.requests)
    assert set(methods) == {"GET"}, methods
    for request in tenant.requests:
        path = request.path.split("?", 1)[0]
        assert path == "/storage/v1/b" or path.rsplit("/", 1)[-1] in ("iam", "acl", "defaultObjectAcl"), path


def test_acls_are_read_only_where_uniform_access_is_off(tenant):
    calls = collect().api_calls
    assert calls["storage.buckets.getIamPolicy"] == len(TENANT_BUCKETS)
    assert calls["storage.bucketAccessControls.list"] == 1
    assert calls["storage.defaultObjectAccessControls.list"] == 1
    assert calls["storage.buckets.list"] == 1


def test_a_scan_for_encryption_rules_makes_only_the_listing_call(tenant):
    plan = CollectionPlan({"storage.bucket": frozenset({"encryption.key_managed_by", "encryption.key_id"})})
    result = collect(plan)
    assert dict(result.api_calls) == {"storage.buckets.list": 1}
    assert len(tenant.requests) == 1
    assert set(by_name(result)["phi-paris"].properties) == {"encryption"}


def test_the_plan_keeps_acl_and_iam_reads_for_the_effective_public_result():
    plan = plan_fetchers(BUCKET_FETCHERS, lambda paths: "public_access.public" in paths)
    assert plan.names == ("access_config", "iam_policy", "acl", "public")


def test_buckets_are_read_concurrently(gcs, google_env):
    build_tenant(gcs)
    proxy = RecordingProxy(gcs.port, latency=0.2).start()
    google_env.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    try:
        result = collect(workers=4)
    finally:
        proxy.stop()
    assert len(result.resources) == len(TENANT_BUCKETS)
    assert proxy.peak_in_flight > 1


def test_a_project_whose_listing_is_denied_is_an_issue_and_the_others_go_on(gcs, google_env):
    build_tenant(gcs)

    def respond(method: str, path: str):
        if path.startswith("/storage/v1/b?") and "project=other-practice" in path:
            status, body = forbidden("storage.buckets.list", "")
            return status, body
        return None

    proxy = RecordingProxy(gcs.port, respond=respond).start()
    google_env.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    try:
        result = collect(projects=["other-practice", PROJECT])
    finally:
        proxy.stop()
    assert sorted(by_name(result)) == sorted(TENANT_BUCKETS)
    assert [a.id for a in result.accounts] == ["other-practice", PROJECT]
    (issue,) = result.issues
    assert (issue.provider, issue.account, issue.scope) == ("gcp", "other-practice", "storage.buckets.list")
    assert issue.message.startswith("storage.buckets.list: HTTP 403 forbidden")


def test_a_throttled_read_is_retried_and_counted_once(gcs, google_env):
    build_tenant(gcs)
    refused: list[str] = []

    def throttle_once(method: str, path: str):
        if "/b/phi-paris/iam" in path and not refused:
            refused.append(path)
            return 429, {"error": {"code": 429, "message": "rate limit", "errors": [{"reason": "rateLimitExceeded"}]}}
        return None

    proxy = RecordingProxy(gcs.port, respond=throttle_once).start()
    google_env.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    try:
        result = collect()
    finally:
        proxy.stop()
    assert refused
    assert by_name(result)["phi-paris"].errors == {}
    assert result.api_calls["storage.buckets.getIamPolicy"] == len(TENANT_BUCKETS)
    assert sum("/b/phi-paris/iam" in r.path for r in proxy.requests) == 2


def test_a_project_id_is_required(gcs):
    with pytest.raises(InputError, match="--gcp-project: no project given"):
        collect(projects=[])


def test_a_malformed_project_id_is_refused_with_the_option_name(gcs):
    with pytest.raises(InputError, match=r"--gcp-project My_Project: not a project id"):
        collect(projects=["My_Project"])
