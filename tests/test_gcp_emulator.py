"""The GCP adapter with the real google-cloud-storage client and google-auth session, over
HTTP, against gcp-storage-emulator behind a recording proxy that refuses chosen requests and
answers the project's own APIs (Resource Manager, Org Policy, HMAC keys) from recorded
documents."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from typing import Any, Iterator

import pytest

from cloudaudit.errors import InputError, ScanCannotRun
from cloudaudit.model import Resource
from cloudaudit.progress import Progress
from cloudaudit.providers.facts import plan_fetchers
from cloudaudit.providers.gcp.buckets import BUCKET_FETCHERS
from cloudaudit.providers.gcp.provider import GcpProvider
from cloudaudit.providers.interface import CollectionPlan, CollectionResult
from cloudaudit.vocabulary import vocabulary
from tests.support.gcs_emulator import (  # noqa: F401 - fixtures
    BACKUP_ACCOUNT,
    CMEK,
    DENIED_IAM_BUCKET,
    IAM_POLICY_PATH,
    ORG_POLICY_DENIED,
    PRACTICE_PROJECT,
    PROJECT,
    SYNC_ACCOUNT,
    TENANT_BUCKETS,
    GcsEmulator,
    build_tenant,
    chain,
    deny_iam_of,
    effective_policy,
    forbidden,
    gcs,
    gcs_emulator,
    ALERT_POLICIES_PATH,
    METRICS_PATH,
    google_env,
    key_path,
    policy_path,
    project_apis,
)
from tests.support.http_proxy import RecordingProxy, Responder
from tests.support.network import free_port

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
    request, refuses getIamPolicy on scans-london and answers the project's own APIs."""
    build_tenant(gcs)
    proxy = RecordingProxy(gcs.port, respond=chain(deny_iam_of(DENIED_IAM_BUCKET), project_apis())).start()
    google_env.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    yield proxy
    proxy.stop()


@contextlib.contextmanager
def serving(gcs: GcsEmulator, env: pytest.MonkeyPatch, *responders: Responder, latency: float = 0.0) -> Iterator[RecordingProxy]:
    """The tenant behind a proxy: `responders` first, then the practice's project APIs."""
    build_tenant(gcs)
    proxy = RecordingProxy(gcs.port, latency=latency, respond=chain(*responders, project_apis())).start()
    env.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    try:
        yield proxy
    finally:
        proxy.stop()


def collect(plan: CollectionPlan = CollectionPlan(), workers: int = 4, **settings: Any) -> CollectionResult:
    settings.setdefault("projects", [PROJECT])
    return GcpProvider(settings, workers).collect(plan, Progress())


def by_name(result: CollectionResult) -> dict[str, Resource]:
    """The buckets, by name."""
    return {r.name: r for r in result.resources if r.type == "storage.bucket"}


def project_of(result: CollectionResult) -> Resource:
    (project,) = [r for r in result.resources if r.type == "cloud.account"]
    return project


ORG_POLICY_PATHS = {
    "public_access.blocked", "public_access.uniform_access_required",
    "location.guardrail", "location.guardrail_regions", "raw.resource_locations",
}


def test_every_bucket_is_collected_as_a_gs_resource_of_its_project(tenant):
    result = collect()
    assert sorted(by_name(result)) == sorted(TENANT_BUCKETS)
    assert len(result.resources) == len(TENANT_BUCKETS) + 1, "the buckets and their project"
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
    next_rotation = p["encryption"].pop("key_next_rotation")
    assert p["encryption"] == {
        "at_rest": True, "algorithm": "cloud-kms", "key_id": CMEK, "key_managed_by": "customer",
        "key_rotation": True, "key_rotation_days": 90,
    }
    assert next_rotation == PRACTICE_PROJECT[key_path(CMEK)][1]["nextRotationTime"]
    assert p["public_access"]["acls_disabled"] is True
    assert p["public_access"]["prevention"] == "enforced"
    assert p["public_access"]["blocked"] is True
    assert p["public_access"]["public"] is False
    assert p["versioning"] == {"enabled": True, "status": "Enabled"}
    assert p["retention"] == {"soft_delete_days": 30, "object_lock": True, "days": 30, "mode": "LOCKED", "locked": True}
    assert p["logging"] == {
        "access_logs": True, "target": "cabinet-logs/phi-paris/",
        "object_audit": True, "object_audit_exempted_members": [f"serviceAccount:{BACKUP_ACCOUNT}"],
    }
    assert p["transport"] == {"https_only": True}
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
    resources = collect().resources
    assert {r.type for r in resources} == {"storage.bucket", "cloud.account"}
    for resource in resources:
        assert vocabulary().unknown_paths(resource.type, resource.properties) == [], resource.name


READ_PATHS = (
    "/storage/v1/b", f"/storage/v1/projects/{PROJECT}/hmacKeys", key_path(CMEK), METRICS_PATH, ALERT_POLICIES_PATH,
)


def test_the_scan_only_reads(tenant):
    """Every request is a GET of a listing, an IAM policy, an ACL, an effective organization
    policy, a Cloud KMS key, the log-based metrics or the alert policies, except one POST: Resource Manager's projects.getIamPolicy, a read that takes its
    options in a body. Its body asks for a policy version and carries no policy (setIamPolicy,
    the write, sends {"policy": ...}), and its path names getIamPolicy."""
    collect()
    methods = Counter(r.method for r in tenant.requests)
    assert methods == Counter({"GET": methods["GET"], "POST": 1}), methods
    for request in tenant.requests:
        path = request.path.split("?", 1)[0]
        if request.method == "POST":
            assert path == IAM_POLICY_PATH
            assert json.loads(request.body) == {"options": {"requestedPolicyVersion": 3}}
            continue
        assert request.body == ""
        assert (
            path in READ_PATHS
            or path.rsplit("/", 1)[-1] in ("iam", "acl", "defaultObjectAcl")
            or (path.startswith(f"/v2/projects/{PROJECT}/policies/") and path.endswith(":getEffectivePolicy"))
        ), path


def test_the_project_is_a_cloud_account_with_its_organization_policies_and_hmac_keys(tenant):
    result = collect()
    project = project_of(result)
    assert (project.provider, project.id, project.name, project.account, project.region) == (
        "gcp", f"//cloudresourcemanager.googleapis.com/projects/{PROJECT}", PROJECT, PROJECT, None
    )
    p = project.properties
    assert p["public_access"] == {"blocked": False, "uniform_access_required": False}
    assert p["location"]["guardrail"] is True
    assert "europe-west9" in p["location"]["guardrail_regions"] and "europe-west2" not in p["location"]["guardrail_regions"]
    assert project.raw["resource_locations"] == {"allowed": ["in:eu-locations"], "denied": []}
    active, inactive = p["identity"]["hmac_keys"]
    assert (active["service_account"], active["state"], active["active"]) == (SYNC_ACCOUNT, "ACTIVE", True)
    assert (inactive["service_account"], inactive["active"]) == (BACKUP_ACCOUNT, False)
    assert active["age_days"] > 365
    assert p["identity"]["active_hmac_key_accounts"] == [SYNC_ACCOUNT]
    assert project.errors == {}
    assert result.issues == []


def test_project_settings_are_read_once_per_project_and_shared_by_its_buckets(tenant):
    """Per project: one IAM policy read, one effective policy per constraint, one HMAC page.
    Per bucket, nothing more than before."""
    calls = collect().api_calls
    assert calls["cloudresourcemanager.projects.getIamPolicy"] == 1
    assert calls["orgpolicy.projects.policies.getEffectivePolicy"] == 4
    assert calls["storage.projects.hmacKeys.list"] == 1
    assert calls["logging.projects.metrics.list"] == 1
    assert calls["monitoring.projects.alertPolicies.list"] == 1
    assert calls["storage.buckets.getIamPolicy"] == len(TENANT_BUCKETS)
    assert calls["cloudkms.projects.locations.keyRings.cryptoKeys.get"] == 1, "only phi-paris has a default key"
    policies = [r.path for r in tenant.requests if r.path.endswith(":getEffectivePolicy")]
    assert sorted(policies) == sorted(set(policies)), "each constraint read once"


def test_a_project_rule_alone_reads_only_its_constraint(tenant):
    plan = CollectionPlan({"cloud.account": frozenset({"location.guardrail", "location.guardrail_regions"})})
    result = collect(plan)
    assert dict(result.api_calls) == {"orgpolicy.projects.policies.getEffectivePolicy": 1}
    assert [r.path for r in tenant.requests] == [policy_path("gcp.resourceLocations")]
    assert [r.type for r in result.resources] == ["cloud.account"]


def test_an_enforced_organization_policy_blocks_the_buckets_that_inherit(gcs, google_env):
    enforced = {policy_path("storage.publicAccessPrevention"): (200, effective_policy("storage.publicAccessPrevention", {"enforce": True}))}
    plan = CollectionPlan({"storage.bucket": frozenset({"public_access.blocked", "public_access.public"})})
    with serving(gcs, google_env, project_apis(enforced)):
        result = collect(plan)
    public = by_name(result)["public-us"].properties["public_access"]
    assert public["prevention"] == "inherited" and public["policy_public"] is True
    assert public["blocked"] is True and public["public"] is False
    assert by_name(result)[DENIED_IAM_BUCKET].properties["public_access"]["blocked"] is True
    assert result.api_calls["orgpolicy.projects.policies.getEffectivePolicy"] == 1


def test_a_refused_org_policy_api_makes_only_its_facts_unreadable(gcs, google_env):
    with serving(gcs, google_env, deny_iam_of(DENIED_IAM_BUCKET), project_apis(ORG_POLICY_DENIED)):
        result = collect()
    project = project_of(result)
    assert set(project.errors) == ORG_POLICY_PATHS
    reason = project.errors["location.guardrail"]
    assert reason.startswith(
        "orgpolicy.projects.policies.getEffectivePolicy gcp.resourceLocations: HTTP 403 IAM_PERMISSION_DENIED: "
        "Permission 'orgpolicy.policies.get' denied on resource"
    ), reason
    assert "\n" not in reason and "http" not in reason
    assert project.properties["identity"]["hmac_keys"], "the HMAC listing is another API"
    buckets = by_name(result)
    assert set(buckets["phi-paris"].errors) == {"transport.https_only"}, "prevention enforced on the bucket decides"
    assert buckets["phi-paris"].properties["public_access"]["blocked"] is True
    assert set(buckets["public-us"].errors) == {"transport.https_only", "public_access.blocked", "public_access.public"}
    assert buckets["public-us"].errors["public_access.public"].startswith(
        "orgpolicy.projects.policies.getEffectivePolicy storage.publicAccessPrevention: HTTP 403"
    )
    assert buckets["public-us"].properties["logging"]["object_audit"] is True
    assert result.issues == []


def test_a_refused_project_iam_policy_makes_only_the_audit_facts_unreadable(gcs, google_env):
    denied = {IAM_POLICY_PATH: (403, {"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}})}
    with serving(gcs, google_env, project_apis(denied)):
        result = collect()
    for bucket in by_name(result).values():
        assert set(bucket.errors) - IAM_PATHS - {"public_access.public"} == {"logging.object_audit", "logging.object_audit_exempted_members"}
        assert bucket.errors["logging.object_audit"] == (
            "cloudresourcemanager.projects.getIamPolicy: HTTP 403: The caller does not have permission"
        )
    assert project_of(result).errors == {}


def test_a_throttled_org_policy_read_is_retried_like_storage_calls(gcs, google_env):
    refused: list[str] = []

    def throttle_once(method: str, path: str):
        if path.endswith("gcp.resourceLocations:getEffectivePolicy") and not refused:
            refused.append(path)
            return 429, {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
        return None

    plan = CollectionPlan({"cloud.account": frozenset({"location.guardrail"})})
    with serving(gcs, google_env, throttle_once) as proxy:
        result = collect(plan)
    assert refused and project_of(result).errors == {}
    assert result.api_calls["orgpolicy.projects.policies.getEffectivePolicy"] == 1
    assert len(proxy.requests) == 2


def test_rejected_credentials_on_the_resource_manager_stop_the_scan(gcs, google_env):
    rejected = {IAM_POLICY_PATH: (401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}})}
    plan = CollectionPlan({"storage.bucket": frozenset({"logging.object_audit"})})
    with serving(gcs, google_env, project_apis(rejected)):
        with pytest.raises(ScanCannotRun, match="gcp: the credentials were rejected"):
            collect(plan)


def test_an_unreachable_org_policy_endpoint_fails_only_its_facts(gcs, google_env, monkeypatch):
    import cloudaudit.providers.gcp.session as session

    monkeypatch.setattr(session, "RETRY_DEADLINE_SECONDS", 0.5)
    google_env.setenv("CLOUDAUDIT_GCP_ORGPOLICY_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    with serving(gcs, google_env):
        result = collect()
    project = project_of(result)
    assert set(project.errors) == ORG_POLICY_PATHS
    assert project.errors["public_access.blocked"] == (
        "orgpolicy.projects.policies.getEffectivePolicy storage.publicAccessPrevention: cannot reach the endpoint (after retries)"
    )
    assert by_name(result)["phi-paris"].properties["logging"]["object_audit"] is True


def test_the_project_apis_follow_their_endpoint_variables(gcs, google_env):
    other = RecordingProxy(0, respond=project_apis()).start()
    google_env.setenv("CLOUDAUDIT_GCP_RESOURCEMANAGER_ENDPOINT", other.url)
    google_env.setenv("CLOUDAUDIT_GCP_ORGPOLICY_ENDPOINT", other.url + "/")
    for api in ("KMS", "LOGGING", "MONITORING"):
        google_env.setenv(f"CLOUDAUDIT_GCP_{api}_ENDPOINT", other.url)
    try:
        with serving(gcs, google_env) as proxy:
            collect()
    finally:
        other.stop()
    assert {r.path.split("?")[0] for r in other.requests} == {IAM_POLICY_PATH, key_path(CMEK), METRICS_PATH, ALERT_POLICIES_PATH} | {
        policy_path(c) for c in ("storage.publicAccessPrevention", "gcp.resourceLocations", "storage.uniformBucketLevelAccess", "storage.secureHttpTransport")
    }
    assert not [r for r in proxy.requests if r.path.startswith(("/v1/", "/v2/", "/v3/"))]


def test_a_key_rotation_rule_alone_reads_the_listing_and_the_one_key(tenant):
    plan = CollectionPlan({"storage.bucket": frozenset({"encryption.key_managed_by", "encryption.key_rotation"})})
    result = collect(plan)
    assert dict(result.api_calls) == {"storage.buckets.list": 1, "cloudkms.projects.locations.keyRings.cryptoKeys.get": 1}
    assert [r.path for r in tenant.requests][1:] == [key_path(CMEK)]
    buckets = by_name(result)
    assert buckets["phi-paris"].properties["encryption"]["key_rotation"] is True
    assert buckets["public-us"].properties["encryption"]["key_rotation"] is None, "a Google-managed key: nothing to read"


def test_an_alert_rule_alone_reads_the_metrics_and_the_alert_policies(tenant):
    plan = CollectionPlan({"cloud.account": frozenset({"logging.policy_change_alerts"})})
    result = collect(plan)
    assert dict(result.api_calls) == {"logging.projects.metrics.list": 1, "monitoring.projects.alertPolicies.list": 1}
    assert [r.path for r in tenant.requests] == [METRICS_PATH, ALERT_POLICIES_PATH]
    project = project_of(result)
    assert project.properties == {"logging": {"policy_change_alerts": False}}, "the alert policy has no channel"
    assert project.raw == {"iam_change_metrics": ["bucket-iam-changes"], "iam_change_alert_policies": []}


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
    assert plan.names == ("access_config", "public_block", "iam_policy", "acl", "public")


def test_buckets_are_read_concurrently(gcs, google_env):
    plan = CollectionPlan({"storage.bucket": frozenset({"identity.members"})})
    with serving(gcs, google_env, latency=0.2) as proxy:
        result = collect(plan, workers=4)
    assert len(result.resources) == len(TENANT_BUCKETS)
    assert proxy.peak_in_flight > 1


def test_a_project_whose_listing_is_denied_is_an_issue_and_the_others_go_on(gcs, google_env):
    def respond(method: str, path: str):
        if path.startswith("/storage/v1/b?") and "project=other-practice" in path:
            status, body = forbidden("storage.buckets.list", "")
            return status, body
        return None

    plan = CollectionPlan({"storage.bucket": frozenset({"encryption.at_rest"})})
    with serving(gcs, google_env, respond):
        result = collect(plan, projects=["other-practice", PROJECT])
    assert sorted(by_name(result)) == sorted(TENANT_BUCKETS)
    assert [a.id for a in result.accounts] == ["other-practice", PROJECT]
    (issue,) = result.issues
    assert (issue.provider, issue.account, issue.scope) == ("gcp", "other-practice", "storage.buckets.list")
    assert issue.message.startswith("storage.buckets.list: HTTP 403 forbidden")


def test_a_throttled_read_is_retried_and_counted_once(gcs, google_env):
    refused: list[str] = []

    def throttle_once(method: str, path: str):
        if "/b/phi-paris/iam" in path and not refused:
            refused.append(path)
            return 429, {"error": {"code": 429, "message": "rate limit", "errors": [{"reason": "rateLimitExceeded"}]}}
        return None

    plan = CollectionPlan({"storage.bucket": frozenset({"identity.members"})})
    with serving(gcs, google_env, throttle_once) as proxy:
        result = collect(plan)
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
