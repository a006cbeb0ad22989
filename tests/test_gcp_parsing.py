"""The GCP adapter's interpretation of JSON API values: locations, IAM members, errors."""

from __future__ import annotations

import google.api_core.exceptions as api_exceptions
import google.auth.exceptions as auth_exceptions
import pytest
import requests

from cloudaudit.errors import ScanCannotRun
from cloudaudit.providers.gcp.errors import describe, fatal_for_scan
from cloudaudit.providers.gcp.iam import parse_member, public_acl_entities, read_policy
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
