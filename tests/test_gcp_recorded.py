"""What no emulator holds, from JSON API responses shaped like real Cloud Storage's (locked
retention, soft delete, custom and predefined dual-regions, conditional IAM bindings, legacy
ACLs, paging), Resource Manager's (a refused project IAM policy), Org Policy's (effective
policies), the HMAC key listing's, Cloud KMS's (key rotation), Logging's (log-based metrics)
and Monitoring's (alert policies), served over HTTP to the real client and google-auth session
and read by the same adapter code."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudaudit.model import Status
from cloudaudit.progress import Progress
from cloudaudit.providers.gcp.provider import GcpProvider
from cloudaudit.providers.interface import CollectionPlan
from cloudaudit.scan import build_report, prepare_rules
from cloudaudit.inventory import Inventory
from cloudaudit.engine.ruleset import ParamOverrides
from cloudaudit.vocabulary import vocabulary
from tests.support.gcs_emulator import (  # noqa: F401 - fixtures
    ALERT_POLICIES_PATH,
    CHANNEL,
    HMAC_PATH,
    IAM_CHANGES_FILTER,
    IAM_POLICY_PATH,
    METRICS_PATH,
    PROJECT,
    PROJECT_NUMBER,
    QUARTER,
    SYNC_ACCOUNT,
    alert_policies,
    alert_policy,
    audit_config,
    crypto_key,
    effective_policy,
    forbidden,
    google_env,
    hmac_key,
    hmac_keys,
    key_path,
    log_metric,
    metrics,
    permission_denied,
    policy_path,
    project_iam_policy,
    replay,
)

LIST = "/storage/v1/b"
AUDIT_PATHS = {"logging.object_audit", "logging.object_audit_exempted_members"}
"""Unreadable on every recorded bucket: the project's IAM policy is refused."""


def bucket(name: str, **fields: Any) -> dict[str, Any]:
    """A buckets#resource as buckets.list returns it (projection=noAcl)."""
    base = {
        "kind": "storage#bucket",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}",
        "id": name,
        "name": name,
        "projectNumber": PROJECT_NUMBER,
        "metageneration": "3",
        "location": "EUROPE-WEST9",
        "locationType": "region",
        "storageClass": "STANDARD",
        "etag": "CAM=",
        "timeCreated": "2025-03-04T09:12:44.017Z",
        "updated": "2026-01-20T16:02:11.548Z",
        "iamConfiguration": {
            "bucketPolicyOnly": {"enabled": True, "lockedTime": "2025-06-02T09:12:44.017Z"},
            "uniformBucketLevelAccess": {"enabled": True, "lockedTime": "2025-06-02T09:12:44.017Z"},
            "publicAccessPrevention": "enforced",
        },
        "softDeletePolicy": {"retentionDurationSeconds": "604800", "effectiveTime": "2025-03-04T09:12:44.017Z"},
        "rpo": "DEFAULT",
    }
    base.update(fields)
    return base


def kms_key(name: str, location: str = "europe-west9") -> str:
    return f"projects/{PROJECT}/locations/{location}/keyRings/phi/cryptoKeys/{name}"


RECORDS_KEY = kms_key("records", "europe-west3")
"""Rotated every 90 days; the default key of two buckets, read once."""
UNROTATED_KEY = kms_key("radiologie")
YEARLY_KEY = kms_key("archives")
DENIED_KEY = kms_key("factures")

RECORDS = bucket(
    "dossiers-medicaux",
    location="EUROPE-WEST3",
    retentionPolicy={"retentionPeriod": "315360000", "effectiveTime": "2025-03-04T09:20:01.337Z", "isLocked": True},
    softDeletePolicy={"retentionDurationSeconds": "7776000", "effectiveTime": "2025-03-04T09:12:44.017Z"},
    objectRetention={"mode": "Enabled"},
    encryption={"defaultKmsKeyName": RECORDS_KEY},
    versioning={"enabled": True},
    logging={"logBucket": "cabinet-logs", "logObjectPrefix": "dossiers-medicaux"},
    lifecycle={"rule": [
        {"action": {"type": "Delete"}, "condition": {"age": 3650, "isLive": True}},
        {"action": {"type": "Delete"}, "condition": {"daysSinceNoncurrentTime": 30}},
    ]},
    labels={"data": "phi", "owner": "dr-martin"},
)
CUSTOM_DUAL = bucket(
    "imagerie",
    location="EU",
    locationType="dual-region",
    customPlacementConfig={"dataLocations": ["EUROPE-WEST1", "EUROPE-WEST4"]},
    rpo="ASYNC_TURBO",
    softDeletePolicy={"retentionDurationSeconds": "0"},
)
NAM4 = bucket("us-backup", location="NAM4", locationType="dual-region", storageClass="NEARLINE")
MYSTERY = bucket("future-dual", location="EUR9", locationType="dual-region")
LEGACY = bucket(
    "old-website",
    location="US",
    locationType="multi-region",
    iamConfiguration={
        "bucketPolicyOnly": {"enabled": False},
        "uniformBucketLevelAccess": {"enabled": False},
        "publicAccessPrevention": "inherited",
    },
)
del LEGACY["softDeletePolicy"]  # a bucket from before soft delete existed has no policy
DENIED = bucket("compta", location="EU", locationType="multi-region")
RECORDS_COPY = bucket("dossiers-copie", location="EUROPE-WEST3", encryption={"defaultKmsKeyName": RECORDS_KEY})
UNROTATED = bucket("radiologie", encryption={"defaultKmsKeyName": UNROTATED_KEY})
YEARLY = bucket("archives", encryption={"defaultKmsKeyName": YEARLY_KEY})
KEY_DENIED = bucket("factures", encryption={"defaultKmsKeyName": DENIED_KEY})
KEYED = ("dossiers-copie", "radiologie", "archives", "factures")


def policy(name: str, bindings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "storage#policy", "resourceId": f"projects/_/buckets/{name}", "version": 3, "etag": "CAU=", "bindings": bindings}


OWNERS = {"role": "roles/storage.legacyBucketOwner", "members": [f"projectEditor:{PROJECT}", f"projectOwner:{PROJECT}"]}
READERS = {"role": "roles/storage.legacyBucketReader", "members": [f"projectViewer:{PROJECT}"]}


def acl(name: str, kind: str, entries: list[tuple[str, str]]) -> dict[str, Any]:
    items = [
        {"kind": kind, "id": f"{name}/{entity}", "bucket": name, "entity": entity, "role": role, "etag": "CAM="}
        for entity, role in entries
    ]
    return {"kind": f"{kind}s", "items": items}


ROUTES: dict[str, tuple[int, Any]] = {
    f"{LIST}?project={PROJECT}": (200, {"kind": "storage#buckets", "nextPageToken": "CgRub3Jk", "items": [RECORDS, CUSTOM_DUAL, NAM4]}),
    f"{LIST}?project={PROJECT}&pageToken=CgRub3Jk": (200, {"kind": "storage#buckets", "items": [
        MYSTERY, LEGACY, DENIED, RECORDS_COPY, UNROTATED, YEARLY, KEY_DENIED,
    ]}),
    f"{LIST}/dossiers-medicaux/iam": (200, policy("dossiers-medicaux", [
        OWNERS,
        READERS,
        {"role": "roles/storage.objectViewer", "members": ["group:medecins@cabinet-martin.fr", f"serviceAccount:service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com"]},
    ])),
    f"{LIST}/imagerie/iam": (200, policy("imagerie", [
        OWNERS,
        {
            "role": "roles/storage.objectViewer",
            "members": ["user:radiologue@imagerie-partenaire.fr"],
            "condition": {"title": "until 2026-12-31", "expression": 'request.time < timestamp("2027-01-01T00:00:00Z")'},
        },
    ])),
    f"{LIST}/us-backup/iam": (200, policy("us-backup", [OWNERS])),
    f"{LIST}/future-dual/iam": (200, policy("future-dual", [OWNERS])),
    f"{LIST}/old-website/iam": (200, policy("old-website", [OWNERS, READERS])),
    f"{LIST}/old-website/acl": (200, acl("old-website", "storage#bucketAccessControl", [
        (f"project-owners-{PROJECT_NUMBER}", "OWNER"), ("allAuthenticatedUsers", "READER"),
    ])),
    f"{LIST}/old-website/defaultObjectAcl": (200, acl("old-website", "storage#objectAccessControl", [
        (f"project-owners-{PROJECT_NUMBER}", "OWNER"), ("allUsers", "READER"),
    ])),
    f"{LIST}/compta/iam": forbidden("storage.buckets.getIamPolicy", "compta"),
    **{f"{LIST}/{name}/iam": (200, policy(name, [OWNERS])) for name in KEYED},
    # Cloud KMS: a 90-day rotation, none, a yearly one, and a key the scanner may not read.
    key_path(RECORDS_KEY): (200, crypto_key(RECORDS_KEY, QUARTER, 12)),
    key_path(UNROTATED_KEY): (200, crypto_key(UNROTATED_KEY)),
    key_path(YEARLY_KEY): (200, crypto_key(YEARLY_KEY, "31536000s", 200)),
    key_path(DENIED_KEY): permission_denied("cloudkms.cryptoKeys.get", DENIED_KEY),
    # The project: its IAM policy refused, public access prevention and uniform access enforced
    # from above, Europe allowed but London and Zurich denied, no HTTPS-only policy, and HMAC
    # keys over two pages.
    IAM_POLICY_PATH: permission_denied("resourcemanager.projects.getIamPolicy", f"projects/{PROJECT}"),
    policy_path("storage.publicAccessPrevention"): (200, effective_policy("storage.publicAccessPrevention", {"enforce": True})),
    policy_path("storage.uniformBucketLevelAccess"): (200, effective_policy("storage.uniformBucketLevelAccess", {"enforce": True})),
    policy_path("gcp.resourceLocations"): (200, effective_policy("gcp.resourceLocations", {
        "values": {"allowedValues": ["in:europe-locations"], "deniedValues": ["in:europe-west2-locations", "in:europe-west6-locations"]},
    })),
    policy_path("storage.secureHttpTransport"): (200, effective_policy("storage.secureHttpTransport")),
    HMAC_PATH: (200, hmac_keys(
        hmac_key("GOOG1EXAMPLEPAGEONE000000000000000000000000000000000000000", f"scanner@{PROJECT}.iam.gserviceaccount.com", "INACTIVE", "2025-02-01T09:00:00.000Z"),
        next_page="CgpwYWdlLXR3bw==",
    )),
    f"{HMAC_PATH}?pageToken=CgpwYWdlLXR3bw==": (200, hmac_keys(
        hmac_key("GOOG1EXAMPLEPAGETWO000000000000000000000000000000000000000", SYNC_ACCOUNT, "ACTIVE", "2025-11-30T17:45:12.331Z"),
    )),
    # Log-based metrics and alert policies, each over two pages: the metric of bucket IAM
    # changes (written with single quotes and spread over lines) and its alert are on page two.
    METRICS_PATH: (200, metrics(
        log_metric("errors", 'severity>=ERROR'),
        log_metric("bucket-iam-draft", IAM_CHANGES_FILTER, disabled=True),
        next_page="bWV0cmljcy0y",
    )),
    f"{METRICS_PATH}?pageToken=bWV0cmljcy0y": (200, metrics(
        log_metric("gcs/iam-changes", "protoPayload.methodName = 'storage.setIamPermissions'\n  AND resource.type = 'gcs_bucket'"),
    )),
    ALERT_POLICIES_PATH: (200, alert_policies(alert_policy("Errors", "errors", number=1), next_page="YWxlcnRzLTI=")),
    f"{ALERT_POLICIES_PATH}?pageToken=YWxlcnRzLTI=": (200, alert_policies(
        alert_policy("Draft alert", "gcs/iam-changes", enabled=False, number=2),
        alert_policy("Bucket IAM changed", "gcs/iam-changes", number=3),
    )),
}


@pytest.fixture(scope="module")
def recorded():
    server = replay(ROUTES).start()
    yield server
    server.stop()


@pytest.fixture
def inventory(recorded, google_env):
    google_env.setenv("STORAGE_EMULATOR_HOST", recorded.url)
    result = GcpProvider({"projects": [PROJECT]}, 4).collect(CollectionPlan(), Progress())
    return {r.name: r for r in result.resources}, result


def test_both_pages_of_the_listing_are_read(inventory):
    resources, result = inventory
    assert sorted(resources) == [
        "archives", "cabinet-martin", "compta", "dossiers-copie", "dossiers-medicaux", "factures", "future-dual",
        "imagerie", "old-website", "radiologie", "us-backup",
    ]
    assert result.api_calls["storage.buckets.list"] == 2
    assert result.issues == []


def test_the_project_from_recorded_organization_policies_and_two_pages_of_hmac_keys(inventory):
    resources, result = inventory
    project = resources[PROJECT]
    assert project.type == "cloud.account" and project.errors == {}
    assert project.properties["public_access"] == {"blocked": True, "uniform_access_required": True}
    regions = project.properties["location"]["guardrail_regions"]
    assert project.properties["location"]["guardrail"] is True
    assert "europe-west2" not in regions and "europe-west6" not in regions
    assert {"eur5", "eur7", "eur8"} <= set(regions), "dual-regions with a London or Zurich half stay allowed"
    keys = project.properties["identity"]["hmac_keys"]
    assert [(k["service_account"], k["active"]) for k in keys] == [
        (f"scanner@{PROJECT}.iam.gserviceaccount.com", False), (SYNC_ACCOUNT, True),
    ]
    assert result.api_calls["storage.projects.hmacKeys.list"] == 2
    assert project.properties["logging"] == {"policy_change_alerts": True}
    assert project.raw["iam_change_metrics"] == ["gcs/iam-changes"]
    assert project.raw["iam_change_alert_policies"] == ["Bucket IAM changed"]
    assert result.api_calls["logging.projects.metrics.list"] == 2
    assert result.api_calls["monitoring.projects.alertPolicies.list"] == 2


def test_a_refused_project_iam_policy_is_error_on_every_bucket_and_nothing_else(inventory):
    resources, _ = inventory
    for name, resource in resources.items():
        if resource.type != "storage.bucket":
            continue
        reason = resource.errors["logging.object_audit"]
        assert reason.startswith(
            "cloudresourcemanager.projects.getIamPolicy: HTTP 403 IAM_PERMISSION_DENIED: "
            "Permission 'resourcemanager.projects.getIamPolicy' denied on resource 'projects/cabinet-martin'"
        ), reason
    assert set(resources["dossiers-medicaux"].errors) == AUDIT_PATHS


def test_the_rotation_of_each_default_key_read_once(inventory):
    resources, result = inventory
    encryption = {name: resources[name].properties.get("encryption", {}) for name in ("dossiers-medicaux", "dossiers-copie", "radiologie", "archives")}
    assert {name: (e["key_rotation"], e["key_rotation_days"]) for name, e in encryption.items()} == {
        "dossiers-medicaux": (True, 90), "dossiers-copie": (True, 90), "radiologie": (False, None), "archives": (False, 365),
    }
    assert encryption["radiologie"]["key_next_rotation"] is None
    assert encryption["dossiers-medicaux"]["key_next_rotation"] == ROUTES[key_path(RECORDS_KEY)][1]["nextRotationTime"]
    assert result.api_calls["cloudkms.projects.locations.keyRings.cryptoKeys.get"] == 4, "four keys, five buckets"
    assert resources["imagerie"].properties["encryption"]["key_rotation"] is None, "Google-managed"


def test_a_denied_key_read_makes_only_its_rotation_unreadable(inventory):
    factures = inventory[0]["factures"]
    assert set(factures.errors) - AUDIT_PATHS == {"encryption.key_rotation", "encryption.key_rotation_days", "encryption.key_next_rotation"}
    assert factures.errors["encryption.key_rotation"] == (
        "cloudkms.projects.locations.keyRings.cryptoKeys.get: HTTP 403 IAM_PERMISSION_DENIED: "
        f"Permission 'cloudkms.cryptoKeys.get' denied on resource '{DENIED_KEY}' (or it may not exist)."
    )
    assert factures.properties["encryption"]["key_managed_by"] == "customer"


def test_an_inherited_bucket_under_an_enforced_organization_policy_is_blocked(inventory):
    site = inventory[0]["old-website"].properties["public_access"]
    assert site["prevention"] == "inherited" and site["acl_public"] is True
    assert site["blocked"] is True and site["public"] is False
    assert inventory[0]["old-website"].properties["transport"] == {"https_only": False}


def test_a_locked_ten_year_retention_and_a_90_day_soft_delete(inventory):
    records = inventory[0]["dossiers-medicaux"]
    assert records.properties["retention"] == {
        "soft_delete_days": 90, "object_lock": True, "days": 3650, "mode": "LOCKED", "locked": True,
    }
    assert records.raw["object_retention_mode"] == "Enabled"
    assert records.properties["lifecycle"] == {"enabled": True, "rule_count": 2}
    assert records.properties["encryption"]["key_managed_by"] == "customer"
    assert records.properties["identity"]["member_domains"] == ["cabinet-martin.fr"]
    assert records.tags == {"data": "phi", "owner": "dr-martin"}


def test_a_configurable_dual_region_names_its_two_regions(inventory):
    imagerie = inventory[0]["imagerie"]
    assert imagerie.properties["location"] == {
        "region": "eu", "type": "dual-region",
        "data_regions": ["eu", "europe-west1", "europe-west4"], "replica_regions": ["europe-west1", "europe-west4"],
    }
    assert imagerie.raw["rpo"] == "ASYNC_TURBO"
    assert imagerie.properties["retention"]["soft_delete_days"] == 0
    assert imagerie.properties["identity"]["external_members"] == ["user:radiologue@imagerie-partenaire.fr"]


def test_a_predefined_dual_region_outside_the_eea(inventory):
    backup = inventory[0]["us-backup"]
    assert backup.properties["location"]["replica_regions"] == ["us-central1", "us-east1"]
    assert backup.raw["storage_class"] == "NEARLINE"


def test_an_unknown_dual_region_makes_only_its_regions_unreadable(inventory):
    future = inventory[0]["future-dual"]
    assert set(future.errors) - AUDIT_PATHS == {"location.data_regions", "location.replica_regions"}
    assert "EUR9" in future.errors["location.replica_regions"]
    assert future.properties["location"] == {"region": "eur9", "type": "dual-region"}


def test_legacy_acls_of_a_bucket_without_uniform_access(inventory):
    site = inventory[0]["old-website"]
    access = site.properties["public_access"]
    assert access["acl_public_grantees"] == ["allAuthenticatedUsers", "allUsers"]
    assert access["policy_public"] is False
    assert site.properties["retention"]["soft_delete_days"] == 0


def test_every_recorded_resource_uses_vocabulary_paths_only(inventory):
    for resource in inventory[0].values():
        assert vocabulary().unknown_paths(resource.type, resource.properties) == []


EXPECTED = {
    # rule: {bucket: status} for the buckets where the recorded settings decide
    "gcp.retention-policy-locked": {"dossiers-medicaux": "PASS", "imagerie": "FAIL"},
    "storage.soft-delete": {"dossiers-medicaux": "PASS", "imagerie": "FAIL", "old-website": "FAIL", "us-backup": "PASS"},
    "storage.region-allowed": {"dossiers-medicaux": "PASS", "imagerie": "PASS", "us-backup": "FAIL", "future-dual": "FAIL"},
    "storage.replica-region-allowed": {"imagerie": "PASS", "us-backup": "FAIL", "future-dual": "ERROR"},
    "storage.no-public-grants": {"old-website": "FAIL", "dossiers-medicaux": "PASS", "compta": "ERROR"},
    "gcp.iam-allowed-domains": {"dossiers-medicaux": "PASS", "imagerie": "FAIL", "compta": "ERROR"},
    "gcp.uniform-bucket-access": {"old-website": "FAIL", "compta": "PASS"},
    "storage.replication": {"dossiers-medicaux": "FAIL", "imagerie": "PASS", "compta": "PASS"},
    "storage.public-access-blocked": {"old-website": "PASS", "compta": "PASS"},
    "storage.object-audit-logging": {"dossiers-medicaux": "ERROR", "old-website": "ERROR"},
    "storage.https-only": {"dossiers-medicaux": "FAIL"},
    "gcp.org-policy-public-access-prevention": {PROJECT: "PASS"},
    "gcp.org-policy-uniform-bucket-access": {PROJECT: "PASS"},
    "gcp.org-policy-resource-locations": {PROJECT: "FAIL"},
    "gcp.no-active-hmac-keys": {PROJECT: "FAIL"},
    "storage.key-rotation": {
        "dossiers-medicaux": "PASS", "dossiers-copie": "PASS", "radiologie": "FAIL", "archives": "FAIL",
        "factures": "ERROR", "imagerie": "NOT_APPLICABLE",
    },
    "storage.access-change-alert": {PROJECT: "PASS"},
}


def test_rules_judge_the_recorded_buckets(inventory):
    resources, result = inventory
    book = prepare_rules(overrides=ParamOverrides({"allowed_domains": ["cabinet-martin.fr"]}, {}))
    report = build_report(Inventory(resources=list(resources.values())), book)
    seen = {(f.rule.id, f.resource.name): f.status for f in report.findings}
    for rule_id, expected in EXPECTED.items():
        for name, status in expected.items():
            assert seen[(rule_id, name)] is Status(status), (rule_id, name)


def test_rule_messages_name_the_key_and_its_period(inventory):
    resources, _ = inventory
    report = build_report(Inventory(resources=list(resources.values())), prepare_rules())
    messages = {(f.rule.id, f.resource.name): f.message for f in report.findings}
    assert "rotation period in days: 365," in messages[("storage.key-rotation", "archives")]
    assert YEARLY_KEY in messages[("storage.key-rotation", "archives")]
    assert "rotation period in days: not set, next rotation: not set" in messages[("storage.key-rotation", "radiologie")]
    assert "cloudkms.cryptoKeys.get" in messages[("storage.key-rotation", "factures")]
    assert "Bucket IAM changed" in messages[("storage.access-change-alert", PROJECT)]


# -- alerts on bucket IAM changes, one project at a time -------------------------------------------

WATCHED = metrics(log_metric("bucket-iam-changes", IAM_CHANGES_FILTER))
ALERTED = alert_policies(alert_policy("Bucket IAM changed", "bucket-iam-changes"))
ALERT_CASES = {
    "a metric and an alert that notifies": ({METRICS_PATH: (200, WATCHED), ALERT_POLICIES_PATH: (200, ALERTED)}, True),
    "a metric and no alert policy": ({METRICS_PATH: (200, WATCHED), ALERT_POLICIES_PATH: (200, {})}, False),
    "a metric and a disabled alert": (
        {METRICS_PATH: (200, WATCHED), ALERT_POLICIES_PATH: (200, alert_policies(alert_policy("Off", "bucket-iam-changes", enabled=False)))},
        False,
    ),
    "a metric and an alert with no channel": (
        {METRICS_PATH: (200, WATCHED), ALERT_POLICIES_PATH: (200, alert_policies(alert_policy("Silent", "bucket-iam-changes", channels=())))},
        False,
    ),
    "an alert on another metric": (
        {METRICS_PATH: (200, WATCHED), ALERT_POLICIES_PATH: (200, alert_policies(alert_policy("Other", "errors")))},
        False,
    ),
    "a metric that counts fewer changes": (
        {METRICS_PATH: (200, metrics(log_metric("m", IAM_CHANGES_FILTER + ' AND protoPayload.authenticationInfo.principalEmail!="ci@x.fr"')))},
        False,
    ),
    "no metric at all": ({METRICS_PATH: (200, {})}, False),
}


def alert_facts(routes, google_env):
    server = replay(routes).start()
    try:
        google_env.setenv("STORAGE_EMULATOR_HOST", server.url)
        plan = CollectionPlan({"cloud.account": frozenset({"logging.policy_change_alerts"})})
        result = GcpProvider({"projects": [PROJECT]}, 2).collect(plan, Progress())
    finally:
        server.stop()
    (project,) = result.resources
    return project, result, [r.path for r in server.requests]


@pytest.mark.parametrize("case", ALERT_CASES)
def test_an_alert_on_bucket_iam_changes_needs_a_metric_and_an_enabled_alert_that_notifies(case, google_env):
    routes, expected = ALERT_CASES[case]
    project, result, paths = alert_facts(routes, google_env)
    assert project.errors == {}
    assert project.properties == {"logging": {"policy_change_alerts": expected}}
    status = build_report(Inventory(resources=[project]), prepare_rules()).findings
    (finding,) = [f for f in status if f.rule.id == "storage.access-change-alert"]
    assert finding.status is (Status.PASS if expected else Status.FAIL)
    if project.raw["iam_change_metrics"]:
        assert paths == [METRICS_PATH, ALERT_POLICIES_PATH]
    else:
        assert paths == [METRICS_PATH], "no metric: no alert policy to look for"
        assert finding.message.endswith("storage.setIamPermissions on gcs_bucket: none"), finding.message


def test_a_refused_logging_api_is_error_naming_the_call(google_env):
    refused = {METRICS_PATH: permission_denied("logging.logMetrics.list", f"projects/{PROJECT}")}
    project, result, paths = alert_facts(refused, google_env)
    assert project.errors["logging.policy_change_alerts"] == (
        "logging.projects.metrics.list: HTTP 403 IAM_PERMISSION_DENIED: "
        f"Permission 'logging.logMetrics.list' denied on resource 'projects/{PROJECT}' (or it may not exist)."
    )
    (finding,) = [f for f in build_report(Inventory(resources=[project]), prepare_rules()).findings if f.rule.id == "storage.access-change-alert"]
    assert finding.status is Status.ERROR
    assert "logging.projects.metrics.list: HTTP 403" in finding.message


def test_a_refused_monitoring_api_is_error_too(google_env):
    refused = {METRICS_PATH: (200, WATCHED), ALERT_POLICIES_PATH: permission_denied("monitoring.alertPolicies.list", f"projects/{PROJECT}")}
    project, _, _ = alert_facts(refused, google_env)
    assert project.errors["logging.policy_change_alerts"].startswith("monitoring.projects.alertPolicies.list: HTTP 403 IAM_PERMISSION_DENIED")


# -- Data Access audit logs inherited from folders and the organization -------------------------

ANCESTRY_PATH = f"/v1/projects/{PROJECT}:getAncestry"
FOLDER_POLICY_PATH = "/v3/folders/731:getIamPolicy"
ORGANIZATION_POLICY_PATH = "/v3/organizations/4412:getIamPolicy"
SCANNED = f"serviceAccount:scanner@{PROJECT}.iam.gserviceaccount.com"


def ancestry(*parents: tuple[str, str]) -> tuple[int, dict[str, Any]]:
    """A projects.getAncestry answer: the project first, then its parents up to the organization."""
    chain = [("project", PROJECT), *parents]
    return 200, {"ancestor": [{"resourceId": {"type": kind, "id": ident}} for kind, ident in chain]}


AUDIT_CASES = {
    "logs set on the organization": (
        {
            ANCESTRY_PATH: ancestry(("folder", "731"), ("organization", "4412")),
            FOLDER_POLICY_PATH: (200, {"version": 1, "etag": "BwY=", "bindings": []}),
            ORGANIZATION_POLICY_PATH: (200, project_iam_policy(
                audit_config("allServices", "DATA_READ", "DATA_WRITE", exempted={"DATA_WRITE": [SCANNED]}),
            )),
        },
        True, [SCANNED], [IAM_POLICY_PATH, ANCESTRY_PATH, FOLDER_POLICY_PATH, ORGANIZATION_POLICY_PATH],
    ),
    "reads on the folder, writes on the project": (
        {
            IAM_POLICY_PATH: (200, project_iam_policy(audit_config("storage.googleapis.com", "DATA_WRITE"))),
            ANCESTRY_PATH: ancestry(("folder", "731")),
            FOLDER_POLICY_PATH: (200, project_iam_policy(audit_config("storage.googleapis.com", "DATA_READ"))),
        },
        True, [], [IAM_POLICY_PATH, ANCESTRY_PATH, FOLDER_POLICY_PATH],
    ),
    "a project without a parent": ({ANCESTRY_PATH: ancestry()}, False, [], [IAM_POLICY_PATH, ANCESTRY_PATH]),
}


def audit_facts(routes, google_env):
    own = {IAM_POLICY_PATH: (200, project_iam_policy(audit_config("allServices", "ADMIN_READ")))}
    listing = {LIST: (200, {"kind": "storage#buckets", "items": [bucket("phi-lyon")]})}
    server = replay({**own, **listing, **routes}).start()
    try:
        google_env.setenv("STORAGE_EMULATOR_HOST", server.url)
        plan = CollectionPlan({"storage.bucket": frozenset(AUDIT_PATHS)})
        result = GcpProvider({"projects": [PROJECT]}, 2).collect(plan, Progress())
    finally:
        server.stop()
    (phi,) = [r for r in result.resources if r.type == "storage.bucket"]
    posts = [(r.path, json.loads(r.body)) for r in server.requests if r.method == "POST"]
    return phi, result, posts


@pytest.mark.parametrize("case", AUDIT_CASES)
def test_data_access_logs_add_up_down_the_resource_hierarchy(case, google_env):
    routes, recorded, exempted, posted = AUDIT_CASES[case]
    phi, result, posts = audit_facts(routes, google_env)
    assert phi.errors == {}
    assert phi.properties["logging"] == {"object_audit": recorded, "object_audit_exempted_members": exempted}
    assert [path for path, _ in posts] == posted, "ancestors are read only when the project's own is not enough"
    for path, body in posts:
        assert body == ({} if path == ANCESTRY_PATH else {"options": {"requestedPolicyVersion": 3}}), path
    (finding,) = [f for f in build_report(Inventory(resources=[phi]), prepare_rules()).findings if f.rule.id == "storage.object-audit-logging"]
    assert finding.status is (Status.PASS if recorded else Status.FAIL)


def test_a_refused_organization_policy_is_error_not_a_failure(google_env):
    routes = {
        ANCESTRY_PATH: ancestry(("organization", "4412")),
        ORGANIZATION_POLICY_PATH: permission_denied("resourcemanager.organizations.getIamPolicy", "organizations/4412"),
    }
    phi, result, _ = audit_facts(routes, google_env)
    assert phi.errors["logging.object_audit"] == (
        "cloudresourcemanager.organizations.getIamPolicy organizations/4412: HTTP 403 IAM_PERMISSION_DENIED: "
        "Permission 'resourcemanager.organizations.getIamPolicy' denied on resource 'organizations/4412' (or it may not exist)."
    )
    assert result.api_calls["cloudresourcemanager.organizations.getIamPolicy"] == 1
