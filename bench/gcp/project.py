"""The benchmark project's own settings, which the emulator does not serve: its Data Access
audit configuration, its effective organization policies, its HMAC keys, the buckets' Cloud
KMS keys, and its log-based metric and alert policy on bucket IAM changes. The bench server
answers those requests from the documents below (the shapes of the tests' recordings) and
forwards the rest to the emulator; the statuses they imply are derived here."""

from __future__ import annotations

from typing import Any, Mapping

from bench.gcp.tenant import PROJECT, BucketSpec, TenantPlan, key_name
from tests.support.gcs_emulator import (
    IAM_CHANGES_FILTER,
    QUARTER,
    alert_policies,
    alert_policy,
    audit_config,
    crypto_key,
    effective_policy,
    hmac_key,
    hmac_keys,
    log_metric,
    metrics,
    project_apis,
    project_iam_policy,
)
from tests.support.http_proxy import Responder

SYNC_ACCOUNT = f"legacy-sync@{PROJECT}.iam.gserviceaccount.com"


def _policy(constraint: str) -> str:
    return f"/v2/projects/{PROJECT}/policies/{constraint}:getEffectivePolicy"


ROUTES: Mapping[str, tuple[int, Any]] = {
    f"/v1/projects/{PROJECT}:getIamPolicy": (200, project_iam_policy(
        audit_config("storage.googleapis.com", "DATA_READ", "DATA_WRITE"),
    )),
    _policy("storage.publicAccessPrevention"): (200, effective_policy("storage.publicAccessPrevention", {"enforce": False})),
    _policy("storage.uniformBucketLevelAccess"): (200, effective_policy("storage.uniformBucketLevelAccess")),
    _policy("gcp.resourceLocations"): (200, effective_policy("gcp.resourceLocations", {"values": {"allowedValues": ["in:eu-locations"]}})),
    _policy("storage.secureHttpTransport"): (200, effective_policy("storage.secureHttpTransport", {"enforce": True})),
    f"/storage/v1/projects/{PROJECT}/hmacKeys": (200, hmac_keys(
        hmac_key("GOOG1EBENCHACTIVEKEY00000000000000000000000000000000000", SYNC_ACCOUNT, "ACTIVE", "2024-01-15T08:30:00.000Z"),
    )),
    f"/v2/projects/{PROJECT}/metrics": (200, metrics(log_metric("bucket-iam-changes", IAM_CHANGES_FILTER))),
    f"/v3/projects/{PROJECT}/alertPolicies": (200, alert_policies(alert_policy("Bucket IAM changed", "bucket-iam-changes"))),
}
"""Object reads and writes logged; no organization-wide public access prevention (so a bucket
is blocked only when it enforces prevention itself) and no uniform access requirement; new
resources kept to the EU; plain HTTP refused; one active HMAC key; an alert policy with a
notification channel on a log-based metric of bucket IAM changes."""

PROJECT_VERDICTS: Mapping[str, bool] = {
    "gcp.org-policy-public-access-prevention": False,
    "gcp.org-policy-uniform-bucket-access": False,
    "gcp.org-policy-resource-locations": True,
    "gcp.no-active-hmac-keys": False,
    "storage.access-change-alert": True,
}
"""The project's own rules (resource name: the project id)."""

BUCKET_VERDICTS_FROM_PROJECT: Mapping[str, bool] = {
    "storage.https-only": True,  # storage.secureHttpTransport enforced
    "storage.object-audit-logging": True,  # DATA_READ and DATA_WRITE for Cloud Storage
}
"""What every bucket inherits from the project's settings above."""


def key_rotates(bucket: BucketSpec) -> bool:
    """Two customer keys in three rotate every 90 days; the others never rotate."""
    return int(bucket.name.rsplit("-", 1)[1]) % 3 != 0


def key_routes(plan: TenantPlan) -> dict[str, tuple[int, Any]]:
    """cryptoKeys.get of each bucket's default key (one key per customer-keyed bucket)."""
    routes = {}
    for bucket in plan.buckets:
        if bucket.cmek:
            name = key_name(bucket)
            answer = crypto_key(name, QUARTER, 30) if key_rotates(bucket) else crypto_key(name)
            routes[f"/v1/{name}"] = (200, answer)
    return routes


def project_responder(plan: TenantPlan) -> Responder:
    return project_apis({**ROUTES, **key_routes(plan)})
