"""The GCP adapter's interpretation of JSON API values: locations, IAM members, errors, Cloud
KMS key rotation, log filters and alert policies."""

from __future__ import annotations

import datetime as dt

import google.api_core.exceptions as api_exceptions
import google.auth.exceptions as auth_exceptions
import pytest
import requests

from cloudaudit.errors import ScanCannotRun
from cloudaudit.providers.gcp.alerts import alerts_on, iam_change_metrics, watches_iam_changes
from cloudaudit.providers.gcp.errors import describe, fatal_for_scan
from cloudaudit.providers.gcp.iam import parse_member, public_acl_entities, read_policy
from cloudaudit.providers.gcp.kms import crypto_key_name, key_rotation
from cloudaudit.providers.gcp.locations import UnknownDualRegion, kind_of, placement

PROJECT, NUMBER = "cabinet-martin", "123456789012"


@pytest.mark.parametrize(
    "location, kind, data_locations, region, data_regions, replicas",
    [
        ("EUROPE-WEST9", "region", None, "europe-west9", ["europe-west9"], []),
        ("EU", "multi-region", None, "eu", ["eu"], []),
        ("US", "multi-region", None, "us", ["us"], []),
        ("EUR4", "dual-region", None, "eur4", ["eur4", "europe-north1", "europe-west4"], ["europe-north1", "europe-west4"]),
        ("NAM4", "dual-region", None, "nam4", ["nam4", "us-central1", "us-east1"], ["us-central1", "us-east1"]),
        ("EUR5", "dual-region", None, "eur5", ["eur5", "europe-west1", "europe-west2"], ["europe-west1", "europe-west2"]),
        ("EU", "dual-region", ["EUROPE-WEST1", "EUROPE-WEST4"], "eu", ["eu", "europe-west1", "europe-west4"], ["europe-west1", "europe-west4"]),
        (None, None, None, "us", ["us"], []),
    ],
)
def test_placement_gives_lower_case_codes_and_dual_region_halves(location, kind, data_locations, region, data_regions, replicas):
    where = placement(location, kind, data_locations)
    assert where.location == region
    assert where.data_regions == data_regions
    assert list(where.halves) == replicas


def test_an_unknown_dual_region_without_data_locations_cannot_be_placed():
    with pytest.raises(UnknownDualRegion, match="EUR9"):
        placement("EUR9", "dual-region", None)


def test_location_type_is_told_from_the_code_when_the_response_has_none():
    assert kind_of("EUROPE-WEST3", None, None) == "region"
    assert kind_of("EU", None, None) == "multi-region"
    assert kind_of("EUR4", None, None) == "dual-region"
    assert kind_of("EU", None, ["EUROPE-WEST1", "EUROPE-WEST4"]) == "dual-region"


@pytest.mark.parametrize(
    "member, kind, domain, in_project",
    [
        ("user:Ana@Cabinet-Martin.fr", "user", "cabinet-martin.fr", False),
        ("group:staff@cabinet-martin.fr", "group", "cabinet-martin.fr", False),
        ("domain:cabinet-martin.fr", "domain", "cabinet-martin.fr", False),
        ("allUsers", "allUsers", None, False),
        ("allAuthenticatedUsers", "allAuthenticatedUsers", None, False),
        (f"projectOwner:{PROJECT}", "projectOwner", None, True),
        ("projectViewer:other-project", "projectViewer", "projects/other-project", False),
        (f"serviceAccount:backup@{PROJECT}.iam.gserviceaccount.com", "serviceAccount", f"{PROJECT}.iam.gserviceaccount.com", True),
        ("serviceAccount:app@vendor-prod.iam.gserviceaccount.com", "serviceAccount", "vendor-prod.iam.gserviceaccount.com", False),
        (f"serviceAccount:service-{NUMBER}@gs-project-accounts.iam.gserviceaccount.com", "serviceAccount", "gs-project-accounts.iam.gserviceaccount.com", True),
        (f"serviceAccount:{NUMBER}-compute@developer.gserviceaccount.com", "serviceAccount", "developer.gserviceaccount.com", True),
        ("serviceAccount:999-compute@developer.gserviceaccount.com", "serviceAccount", "developer.gserviceaccount.com", False),
        ("deleted:user:former@gmail.com?uid=123456", "deleted", "gmail.com", False),
        (
            "principal://iam.googleapis.com/locations/global/workforcePools/partners/subject/joe",
            "principal",
            "workforcePools/partners",
            False,
        ),
    ],
)
def test_members_are_classified_by_kind_domain_and_project(member, kind, domain, in_project):
    parsed = parse_member(member, ["roles/storage.objectViewer"], PROJECT, NUMBER)
    assert (parsed.kind, parsed.domain, parsed.in_project) == (kind, domain, in_project)


def test_a_policy_groups_roles_by_member_and_names_its_public_members():
    bindings = [
        {"role": "roles/storage.objectViewer", "members": ["allUsers", "user:ana@cabinet-martin.fr"]},
        {"role": "roles/storage.legacyBucketReader", "members": ["allUsers"]},
        {
            "role": "roles/storage.objectAdmin",
            "members": ["user:ana@cabinet-martin.fr"],
            "condition": {"title": "office hours", "expression": "request.time.getHours('Europe/Paris') < 19"},
        },
        {"role": "roles/storage.legacyBucketOwner", "members": [f"projectOwner:{PROJECT}"]},
    ]
    reading = read_policy(bindings, PROJECT, NUMBER)
    assert reading.public
    assert reading.public_members == ("allUsers (roles/storage.objectViewer, roles/storage.legacyBucketReader)",)
    assert [m.member for m in reading.outside_project] == ["user:ana@cabinet-martin.fr"]
    ana = next(m for m in reading.members if m.kind == "user")
    assert ana.roles == ("roles/storage.objectViewer", "roles/storage.objectAdmin")


def test_a_policy_of_project_roles_only_is_private_and_internal():
    reading = read_policy([{"role": "roles/storage.legacyBucketOwner", "members": [f"projectEditor:{PROJECT}"]}], PROJECT, NUMBER)
    assert not reading.public
    assert reading.outside_project == []


def test_public_acl_entities_are_found_once_each():
    entries = [
        {"entity": "project-owners-123456789012", "role": "OWNER"},
        {"entity": "allUsers", "role": "READER"},
        {"entity": "allAuthenticatedUsers", "role": "READER"},
        {"entity": "allUsers", "role": "READER"},
        {"entity": "user-ana@cabinet-martin.fr", "role": "WRITER"},
    ]
    assert public_acl_entities(entries) == ["allUsers", "allAuthenticatedUsers"]


def _forbidden() -> api_exceptions.Forbidden:
    return api_exceptions.Forbidden(
        "GET https://storage.googleapis.com/storage/v1/b/x/iam?optionsRequestedPolicyVersion=3: scanner does not have storage.buckets.getIamPolicy access",
        errors=[{"reason": "forbidden", "message": "..."}],
    )


def test_describe_names_the_call_the_status_and_the_server_message():
    text = describe("storage.buckets.getIamPolicy", _forbidden())
    assert text == "storage.buckets.getIamPolicy: HTTP 403 forbidden: scanner does not have storage.buckets.getIamPolicy access"


def test_describe_says_when_retries_gave_up():
    exhausted = api_exceptions.RetryError("Timeout of 60.0s exceeded", api_exceptions.ServiceUnavailable("GET https://x: backend error"))
    assert describe("storage.buckets.list", exhausted) == "storage.buckets.list: HTTP 503: backend error (after retries)"


def test_describe_never_repeats_a_bearer_token():
    leaked = api_exceptions.BadRequest("GET https://x: Authorization: Bearer ya29.a0AfH6SMBsecret-token-value")
    assert "ya29" not in describe("storage.buckets.list", leaked)


@pytest.mark.parametrize(
    "exc, expected",
    [
        (auth_exceptions.DefaultCredentialsError("Your default credentials were not found."), "no credentials found"),
        (auth_exceptions.RefreshError("invalid_grant: Token has been expired or revoked."), "expired or were revoked"),
        (api_exceptions.Unauthorized("GET https://x: Invalid Credentials"), "were rejected"),
        (requests.ConnectionError("refused"), "cannot reach the Cloud Storage endpoint (http://127.0.0.1:9)"),
        (api_exceptions.RetryError("Timeout", requests.ConnectionError("refused")), "cannot reach"),
    ],
)
def test_errors_that_stop_the_scan(exc, expected):
    fatal = fatal_for_scan(exc, "http://127.0.0.1:9")
    assert isinstance(fatal, ScanCannotRun)
    assert expected in fatal.message
    assert "\n" not in fatal.message


def test_a_denied_read_does_not_stop_the_scan():
    assert fatal_for_scan(_forbidden(), "https://storage.googleapis.com") is None


def test_the_provider_package_declares_its_options_without_loading_the_sdk():
    import subprocess
    import sys

    code = (
        "import sys, cloudaudit.providers.gcp as gcp; "
        "assert [o.flag for o in gcp.OPTIONS] == ['--gcp-project', '--gcp-credentials-file']; "
        "assert not any(m.startswith('google') for m in sys.modules), sorted(m for m in sys.modules if m.startswith('google'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the project: audit configuration, organization policies, endpoints ---------------------------

from cloudaudit.providers.gcp.locations import policy_locations, policy_regions  # noqa: E402
from cloudaudit.providers.gcp.policies import boolean_enforced, list_policy, storage_audit  # noqa: E402


def _audit(service, *logs):
    return {"service": service, "auditLogConfigs": [dict(log) for log in logs]}


@pytest.mark.parametrize(
    "configs, recorded, exempted",
    [
        ([], False, []),
        ([_audit("allServices", {"logType": "ADMIN_READ"})], False, []),
        ([_audit("storage.googleapis.com", {"logType": "DATA_READ"}, {"logType": "DATA_WRITE"})], True, []),
        ([_audit("allServices", {"logType": "DATA_READ"}, {"logType": "DATA_WRITE"})], True, []),
        # read from allServices, write from storage's own entry
        ([_audit("allServices", {"logType": "DATA_READ"}), _audit("storage.googleapis.com", {"logType": "DATA_WRITE"})], True, []),
        ([_audit("bigquery.googleapis.com", {"logType": "DATA_READ"}, {"logType": "DATA_WRITE"})], False, []),
        (
            [_audit("storage.googleapis.com", {"logType": "DATA_READ", "exemptedMembers": ["serviceAccount:b@p.iam.gserviceaccount.com"]},
                    {"logType": "DATA_WRITE"}, {"logType": "ADMIN_READ", "exemptedMembers": ["user:admin@cabinet.fr"]})],
            True, ["serviceAccount:b@p.iam.gserviceaccount.com"],
        ),
    ],
)
def test_storage_data_access_logs_from_the_audit_configuration(configs, recorded, exempted):
    audit = storage_audit({"version": 1, "bindings": [], "auditConfigs": configs} if configs else {"version": 1})
    assert audit.objects_recorded is recorded
    assert list(audit.exempted_members) == exempted


@pytest.mark.parametrize(
    "spec, enforced",
    [
        (None, False),
        ({}, False),
        ({"rules": [{"enforce": True}]}, True),
        ({"rules": [{"enforce": False}]}, False),
        ({"rules": [{"enforce": True}, {"enforce": False}]}, False),
        ({"rules": [{"enforce": "TRUE"}]}, False),
    ],
)
def test_a_boolean_constraint_is_enforced_only_when_every_rule_enforces(spec, enforced):
    policy = {"name": "projects/1/policies/storage.publicAccessPrevention"} | ({"spec": spec} if spec is not None else {})
    assert boolean_enforced(policy) is enforced


@pytest.mark.parametrize(
    "rules, restricted, allowed, denied",
    [
        ([], False, [], []),
        ([{"allowAll": True}], False, [], []),
        ([{"denyAll": True}], True, [], []),
        ([{"values": {"allowedValues": ["in:eu-locations"]}}], True, ["in:eu-locations"], []),
        ([{"values": {"deniedValues": ["in:us-locations"]}}], False, [], ["in:us-locations"]),
        ([{"values": {"allowedValues": ["in:europe-locations"], "deniedValues": ["europe-west2"]}}], True, ["in:europe-locations"], ["europe-west2"]),
        ([{"values": {"allowedValues": ["europe-west9"]}}, {"allowAll": True}], False, [], []),
        ([{"values": {"allowedValues": ["europe-west9"]}}, {"values": {"allowedValues": ["europe-west1"]}}], True, ["europe-west9", "europe-west1"], []),
    ],
)
def test_a_list_constraint_restricts_only_when_every_rule_does(rules, restricted, allowed, denied):
    policy = list_policy({"spec": {"rules": rules}})
    assert (policy.restricted, list(policy.allowed), list(policy.denied)) == (restricted, allowed, denied)


@pytest.mark.parametrize(
    "value, codes",
    [
        ("in:europe-west9-locations", ("europe-west9",)),
        ("in:europe-west9-b-locations", ("europe-west9",)),
        ("europe-west9-b", ("europe-west9",)),
        ("EUROPE-WEST9", ("europe-west9",)),
        ("is:EU", ("eu",)),
        ("eur4", ("eur4",)),
        ("in:asia-locations", ("in:asia-locations",)),
    ],
)
def test_resource_location_values(value, codes):
    assert policy_locations(value) == codes


def test_the_eu_value_group_is_inside_the_eea_and_europe_is_not():
    from cloudaudit.engine.params import region_sets

    assert set(policy_regions(["in:eu-locations"])) == set(region_sets()["eea"]) & set(policy_regions(["in:europe-locations"]))
    assert {"europe-west2", "europe-west6"} <= set(policy_regions(["in:europe-locations"]))
    assert set(policy_regions(["in:us-locations"])) <= set(region_sets()["us"])


def test_denied_values_are_taken_out_of_the_allowed_ones():
    regions = policy_regions(["in:europe-locations"], ["in:europe-west2-locations", "europe-west6"])
    assert "europe-west2" not in regions and "europe-west6" not in regions and "europe-west9" in regions


def test_describe_uses_the_error_info_reason_of_the_newer_apis():
    from google.api_core.exceptions import PermissionDenied

    error_info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED", "domain": "iam.googleapis.com"}
    exc = PermissionDenied(
        "GET http://127.0.0.1:1/v2/projects/p/policies/c:getEffectivePolicy: Permission 'orgpolicy.policies.get' denied",
        details=[error_info], error_info=error_info,
    )
    assert describe("orgpolicy.projects.policies.getEffectivePolicy c", exc) == (
        "orgpolicy.projects.policies.getEffectivePolicy c: HTTP 403 IAM_PERMISSION_DENIED: Permission 'orgpolicy.policies.get' denied"
    )


def test_endpoint_variables(monkeypatch):
    from cloudaudit.errors import InputError
    from cloudaudit.providers.gcp.session import api_endpoints

    for api in ("RESOURCEMANAGER", "ORGPOLICY", "KMS", "LOGGING", "MONITORING"):
        monkeypatch.delenv(f"CLOUDAUDIT_GCP_{api}_ENDPOINT", raising=False)
    google = api_endpoints(None)
    assert google.resource_manager == "https://cloudresourcemanager.googleapis.com"
    assert google.org_policy == "https://orgpolicy.googleapis.com"
    assert (google.kms, google.logging, google.monitoring) == (
        "https://cloudkms.googleapis.com", "https://logging.googleapis.com", "https://monitoring.googleapis.com"
    )
    emulated = api_endpoints("http://127.0.0.1:9023/")
    assert {emulated.kms, emulated.logging, emulated.monitoring} == {"http://127.0.0.1:9023"}
    monkeypatch.setenv("CLOUDAUDIT_GCP_KMS_ENDPOINT", "https://cloudkms.eu.rep.googleapis.com")
    monkeypatch.setenv("CLOUDAUDIT_GCP_LOGGING_ENDPOINT", "http://127.0.0.1:9100/")
    monkeypatch.setenv("CLOUDAUDIT_GCP_MONITORING_ENDPOINT", "https://monitoring-psc.p.googleapis.com")
    custom = api_endpoints(None)
    assert (custom.kms, custom.logging, custom.monitoring) == (
        "https://cloudkms.eu.rep.googleapis.com", "http://127.0.0.1:9100", "https://monitoring-psc.p.googleapis.com"
    )
    assert api_endpoints("http://127.0.0.1:9023/").org_policy == "http://127.0.0.1:9023", "the emulator answers for every API"
    monkeypatch.setenv("CLOUDAUDIT_GCP_ORGPOLICY_ENDPOINT", "https://orgpolicy-psc.p.googleapis.com/")
    assert api_endpoints(None).org_policy == "https://orgpolicy-psc.p.googleapis.com"
    monkeypatch.setenv("CLOUDAUDIT_GCP_ORGPOLICY_ENDPOINT", "http://proxy.cabinet.fr:8080")
    with pytest.raises(InputError, match="plain http is only accepted for a loopback address"):
        api_endpoints(None)
    assert api_endpoints("http://127.0.0.1:9023").org_policy == "http://proxy.cabinet.fr:8080", "anonymous: no token to leak"
    monkeypatch.setenv("CLOUDAUDIT_GCP_RESOURCEMANAGER_ENDPOINT", "cloudresourcemanager.googleapis.com")
    with pytest.raises(InputError, match="CLOUDAUDIT_GCP_RESOURCEMANAGER_ENDPOINT=cloudresourcemanager.googleapis.com: expected a URL"):
        api_endpoints("http://127.0.0.1:9023")


def test_the_request_timeout_is_the_storage_clients():
    from google.cloud.storage.constants import _DEFAULT_TIMEOUT

    from cloudaudit.providers.gcp.session import REQUEST_TIMEOUT_SECONDS

    assert REQUEST_TIMEOUT_SECONDS == _DEFAULT_TIMEOUT


def test_a_bucket_that_enforces_prevention_needs_no_organization_policy():
    from types import SimpleNamespace

    from cloudaudit.providers.facts import plan_fetchers
    from cloudaudit.providers.gcp.buckets import BUCKET_FETCHERS, BucketContext

    class NoReads:
        project, session = PROJECT, None

        def enforced(self, constraint):
            raise AssertionError(f"{constraint} read for a bucket that enforces prevention itself")

    config = SimpleNamespace(public_access_prevention="enforced", uniform_bucket_level_access_enabled=True)
    bucket = SimpleNamespace(name="phi", iam_configuration=config, project_number=None)
    plan = plan_fetchers(BUCKET_FETCHERS, lambda paths: "public_access.blocked" in paths)
    facts = plan.run(BucketContext(bucket, NoReads(), None))
    assert facts.get("public_access.blocked") is True


# -- Cloud KMS key rotation ----------------------------------------------------------------------

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
KEY = f"projects/{PROJECT}/locations/europe-west9/keyRings/phi/cryptoKeys/buckets"


@pytest.mark.parametrize(
    "period, next_time, days, within",
    [
        ("7776000s", "2027-01-15T00:00:00.123456789Z", 90, True),
        ("2592000s", "2026-12-02T08:00:00Z", 30, True),
        ("7776000s", "2027-03-15T00:00:00Z", 90, False),  # next rotation more than 90 days away
        ("7776000.5s", "2027-01-15T00:00:00Z", 91, False),  # half a second over
        ("31536000s", "2027-01-15T00:00:00Z", 365, False),
        (None, None, None, False),
        ("7776000s", None, 90, False),  # a period but no rotation scheduled
        ("7776000s", "2026-11-30T00:00:00+00:00", 90, True),  # overdue: KMS rotates now
    ],
)
def test_key_rotation_within_90_days(period, next_time, days, within):
    key = {"name": KEY, **({"rotationPeriod": period} if period else {}), **({"nextRotationTime": next_time} if next_time else {})}
    rotation = key_rotation(key, NOW)
    assert (rotation.period_days, rotation.within_limit) == (days, within)
    assert rotation.next_rotation == next_time


@pytest.mark.parametrize("key", [{"rotationPeriod": "90d"}, {"rotationPeriod": 7776000}, {"rotationPeriod": "7776000s", "nextRotationTime": "soon"}])
def test_a_rotation_that_is_not_a_duration_or_time_is_refused(key):
    with pytest.raises(ValueError):
        key_rotation(key, NOW)


def test_crypto_key_names():
    assert crypto_key_name(KEY) == KEY
    assert crypto_key_name(f"{KEY}/cryptoKeyVersions/3") == KEY
    assert crypto_key_name("projects/p/locations/eu/keyRings/r") is None
    assert crypto_key_name("arn:aws:kms:eu-west-3:1:key/k") is None


# -- log-based metrics and alert policies ------------------------------------------------------------

@pytest.mark.parametrize(
    "query",
    [
        'resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions"',
        "resource.type=gcs_bucket AND protoPayload.methodName=\"storage.setIamPermissions\"",
        "protoPayload.methodName = 'storage.setIamPermissions'\n   AND   resource.type = 'gcs_bucket'",
        '(resource.type="gcs_bucket") AND (protoPayload.methodName="storage.setIamPermissions")',
        'resource.type="gcs_bucket"\nprotoPayload.methodName="storage.setIamPermissions"',
        'resource.type:"gcs_bucket" AND protoPayload.methodName:"storage.setIamPermissions"',
        f'logName="projects/{PROJECT}/logs/cloudaudit.googleapis.com%2Factivity" AND resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions"',
    ],
)
def test_filters_that_count_every_bucket_iam_change(query):
    assert watches_iam_changes(query)


@pytest.mark.parametrize(
    "query",
    [
        'resource.type="gcs_bucket"',
        'protoPayload.methodName="storage.setIamPermissions"',
        'resource.type="gcs_bucket" OR protoPayload.methodName="storage.setIamPermissions"',
        'resource.type="gcs_bucket" AND NOT protoPayload.methodName="storage.setIamPermissions"',
        'resource.type="gcs_bucket" AND -protoPayload.methodName="storage.setIamPermissions"',
        'resource.type="gcs_bucket" and protoPayload.methodName="storage.setIamPermissions"',
        'resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions" AND protoPayload.authenticationInfo.principalEmail!="ci@cabinet-martin.fr"',
        'resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions" AND severity="ERROR"',
        'resource.type="gce_instance" AND protoPayload.methodName="storage.setIamPermissions"',
        'resource.type="gcs_bucket" AND protoPayload.methodName="storage.objects.get"',
        f'logName="projects/{PROJECT}/logs/cloudaudit.googleapis.com%2Fdata_access" AND resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions"',
        "",
    ],
)
def test_filters_that_miss_some_bucket_iam_changes(query):
    assert not watches_iam_changes(query)


def test_only_enabled_project_wide_metrics_count():
    iam = 'resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions"'
    found = iam_change_metrics([
        {"name": "a", "filter": iam},
        {"name": "b", "filter": iam, "disabled": True},
        {"name": "c", "filter": iam, "bucketName": f"projects/{PROJECT}/locations/global/buckets/_Default"},
        {"name": "d", "filter": iam, "metricDescriptor": {"type": "logging.googleapis.com/user/d"}},
        {"name": "e"},
    ])
    assert found == {"logging.googleapis.com/user/a": "a", "logging.googleapis.com/user/d": "d"}


def _policy(**fields):
    base = {
        "enabled": True,
        "notificationChannels": [f"projects/{PROJECT}/notificationChannels/1"],
        "conditions": [{"conditionThreshold": {"filter": "metric.type=\"logging.googleapis.com/user/a\" AND resource.type=\"global\""}}],
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    "policy, alerts",
    [
        (_policy(), True),
        (_policy(enabled=False), False),
        ({k: v for k, v in _policy().items() if k != "enabled"}, False),
        (_policy(notificationChannels=[]), False),
        (_policy(conditions=[{"conditionThreshold": {"filter": "metric.type='logging.googleapis.com/user/b'"}}]), False),
        (_policy(conditions=[{"conditionAbsent": {"filter": "metric.type=\"logging.googleapis.com/user/a\""}}]), False),
        (_policy(conditions=[{"conditionThreshold": {"filter": "resource.type = 'global' AND metric.type = 'logging.googleapis.com/user/a'"}}]), True),
    ],
)
def test_an_alert_policy_counts_when_enabled_with_a_channel_and_a_threshold_on_the_metric(policy, alerts):
    assert alerts_on(policy, ["logging.googleapis.com/user/a"]) is alerts
