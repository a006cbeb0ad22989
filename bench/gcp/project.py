"""The benchmark project's own settings, which the emulator does not serve: its Data Access
audit configuration, its effective organization policies and its HMAC keys. The bench server
answers those requests from the documents below (the shapes of the tests' recordings) and
forwards the rest to the emulator; the statuses they imply are derived here."""

from __future__ import annotations

from typing import Any, Mapping

from bench.gcp.tenant import PROJECT
from tests.support.gcs_emulator import (
    audit_config,
    effective_policy,
    hmac_key,
    hmac_keys,
    project_iam_policy,
    project_apis,
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
}
"""Object reads and writes logged; no organization-wide public access prevention (so a bucket
is blocked only when it enforces prevention itself) and no uniform access requirement; new
resources kept to the EU; plain HTTP refused; one active HMAC key."""

PROJECT_VERDICTS: Mapping[str, bool] = {
    "gcp.org-policy-public-access-prevention": False,
    "gcp.org-policy-uniform-bucket-access": False,
    "gcp.org-policy-resource-locations": True,
    "gcp.no-active-hmac-keys": False,
}
"""The project's own rules (resource name: the project id)."""

BUCKET_VERDICTS_FROM_PROJECT: Mapping[str, bool] = {
    "storage.https-only": True,  # storage.secureHttpTransport enforced
    "storage.object-audit-logging": True,  # DATA_READ and DATA_WRITE for Cloud Storage
}
"""What every bucket inherits from the project's settings above."""


def project_responder() -> Responder:
    return project_apis(ROUTES)
