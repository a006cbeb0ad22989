"""Apply a TenantPlan to gcp-storage-emulator with google-cloud-storage, over HTTP: create each
bucket, then set its properties and patch() (the emulator ignores all but the name at creation),
then its ACL and IAM policy where the plan has them. What only GCS itself sets - the location
type, a locked retention policy (lock_retention_policy() is 501 here) - goes into the
emulator's records directly (GcsEmulator.server_sets, as the tests do)."""

from __future__ import annotations

import warnings
from typing import Any

from bench.gcp.tenant import DAY, PARTNER, PROJECT, SOFT_DELETE, BucketSpec, TenantPlan, key_name
from tests.support.gcs_emulator import GcsEmulator, storage_client


def build_tenant(plan: TenantPlan, emulator: GcsEmulator) -> int:
    """Returns the number of requests made."""
    client = storage_client(emulator.url)
    calls = 0
    for spec in plan.buckets:
        calls += _build(client, spec)
        emulator.server_sets(spec.name, _set_by_gcs(spec))
    return calls


def _build(client: Any, spec: BucketSpec) -> int:
    bucket = client.create_bucket(spec.name)
    with warnings.catch_warnings():  # real GCS fixes the location at creation; here the patch stands in
        warnings.simplefilter("ignore", DeprecationWarning)
        bucket.location = spec.location
    bucket.iam_configuration.uniform_bucket_level_access_enabled = spec.uniform_access
    if spec.prevention_enforced:
        bucket.iam_configuration.public_access_prevention = "enforced"
    if spec.cmek:
        bucket.default_kms_key_name = key_name(spec)
    bucket.versioning_enabled = spec.versioning
    if spec.retention_days:
        bucket.retention_period = spec.retention_days * DAY
    if spec.soft_delete != "default":
        bucket.soft_delete_policy.retention_duration_seconds = SOFT_DELETE[spec.soft_delete] * DAY
    if spec.logging:
        bucket.enable_logging("bench-logs", f"{spec.name}/")
    if spec.lifecycle:
        bucket.add_lifecycle_delete_rule(age=3650)
    if spec.labels:
        bucket.labels = {"data": "phi", "env": "prod"}
    bucket.patch()
    calls = 2
    if spec.public_acl:
        bucket.acl.reload()
        bucket.acl.all().grant_read()
        bucket.acl.save()
        calls += 2
    bindings = _bindings(spec)
    if bindings:
        from google.api_core.iam import Policy

        policy = Policy(version=1)
        policy.bindings = bindings
        bucket.set_iam_policy(policy)
        calls += 1
    return calls


def _bindings(spec: BucketSpec) -> list[dict[str, Any]]:
    owners = {"role": "roles/storage.legacyBucketOwner", "members": {f"projectOwner:{PROJECT}", f"projectEditor:{PROJECT}"}}
    if spec.iam == "owners":
        return [owners]
    if spec.iam == "public":
        return [owners, {"role": "roles/storage.objectViewer", "members": {"allUsers"}}]
    if spec.iam == "partner":
        return [owners, {"role": "roles/storage.objectViewer", "members": {PARTNER}}]
    return []


def _set_by_gcs(spec: BucketSpec) -> dict[str, Any]:
    fields: dict[str, Any] = {"locationType": spec.location_type}
    if spec.locked:
        fields["retentionPolicy"] = {"isLocked": True}
    return fields
