"""Cloud Storage for tests: gcp-storage-emulator in this process, a replay server for recorded
JSON API responses, and the fixtures that point google-cloud-storage at them.

The emulator keeps only what a bucket PATCH sends (see ../shared/TESTING.md). What real GCS
sets itself - the location type of a bucket created elsewhere than the US, a dual-region's
placement, a locked retention policy - is written into the emulator's bucket records directly
(`server_sets`), the way moto's backends are used for AWS. The replay server answers with JSON
documents shaped like the real API's, for what no emulator holds.

No emulator holds a project's HMAC keys, its IAM policy's audit configuration (Resource
Manager), its organization policies (Org Policy v2), its Cloud KMS keys, its log-based metrics
(Logging) or its alert policies (Monitoring) either: `project_apis` answers those from
recorded documents, in front of the emulator (the adapter sends those APIs' requests to
STORAGE_EMULATOR_HOST when no endpoint of their own is set).
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from typing import Any, Iterator, Mapping
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.http_proxy import RecordingProxy, Responder
from tests.support.network import free_port

PROJECT = "cabinet-martin"
PROJECT_NUMBER = "123456789012"
GOOGLE_ENV_PREFIXES = (
    "GOOGLE_", "GCLOUD_", "CLOUDSDK_", "GCE_", "STORAGE_EMULATOR_HOST", "API_ENDPOINT_OVERRIDE", "CLOUDAUDIT_GCP_",
)


class GcsEmulator:
    """gcp-storage-emulator on a free loopback port, in memory."""

    def __init__(self) -> None:
        from gcp_storage_emulator.server import create_server

        self.port = free_port()
        self._server = create_server("127.0.0.1", self.port, in_memory=True, project_number=PROJECT_NUMBER)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "GcsEmulator":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        self._server.wipe()

    def server_sets(self, bucket: str, fields: Mapping[str, Any]) -> None:
        """Set bucket fields that only GCS itself sets (locationType, isLocked...), merging
        one level of nested objects."""
        record = self._server._storage.buckets[bucket]
        for key, value in fields.items():
            if isinstance(value, dict) and isinstance(record.get(key), dict):
                record[key] = {**record[key], **value}
            else:
                record[key] = value


def forbidden(permission: str, bucket: str) -> tuple[int, dict[str, Any]]:
    """The 403 document GCS sends when the caller lacks a permission on a bucket."""
    message = (
        f"scanner@{PROJECT}.iam.gserviceaccount.com does not have {permission} access to the Google "
        f"Cloud Storage bucket. Permission '{permission}' denied on resource (or it may not exist)."
    )
    return 403, {"error": {"code": 403, "message": message, "errors": [{"message": message, "domain": "global", "reason": "forbidden"}]}}


NOT_FOUND = (404, {"error": {"code": 404, "message": "Not Found", "errors": [{"domain": "global", "reason": "notFound"}]}})


def permission_denied(permission: str, resource: str) -> tuple[int, dict[str, Any]]:
    """The 403 document of the newer APIs (Resource Manager, Org Policy): a google.rpc.Status
    with an ErrorInfo detail, and no `errors` list."""
    message = f"Permission '{permission}' denied on resource '{resource}' (or it may not exist)."
    return 403, {"error": {
        "code": 403,
        "message": message,
        "status": "PERMISSION_DENIED",
        "details": [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "IAM_PERMISSION_DENIED",
            "domain": "iam.googleapis.com",
            "metadata": {"permission": permission, "resource": resource},
        }],
    }}


def _route(target: str) -> tuple[str, str]:
    """(path, path plus the `project` and `pageToken` query parameters) of a request target."""
    parts = urlsplit(target)
    query = parse_qs(parts.query)
    selected = [f"{name}={query[name][0]}" for name in ("project", "pageToken") if name in query]
    return parts.path, parts.path + ("?" + "&".join(selected) if selected else "")


def replay(routes: Mapping[str, tuple[int, Any]]) -> RecordingProxy:
    """A server that answers every request from recorded JSON API documents (forwarding none),
    keyed by path plus the `project` and `pageToken` query parameters of listings
    (`/storage/v1/b?project=P&pageToken=T`); anything else gets a 404 document. Every
    request is recorded. Call start() and stop()."""

    def respond(method: str, target: str) -> tuple[int, Any]:
        path, key = _route(target)
        return routes.get(key) or routes.get(path) or NOT_FOUND

    return RecordingProxy(upstream_port=0, respond=respond)


# -- the project's APIs: Resource Manager, Org Policy, HMAC keys ----------------------------------

IAM_POLICY_PATH = f"/v1/projects/{PROJECT}:getIamPolicy"
HMAC_PATH = f"/storage/v1/projects/{PROJECT}/hmacKeys"
BACKUP_ACCOUNT = f"backup@{PROJECT}.iam.gserviceaccount.com"
SYNC_ACCOUNT = f"legacy-sync@{PROJECT}.iam.gserviceaccount.com"


def policy_path(constraint: str) -> str:
    return f"/v2/projects/{PROJECT}/policies/{constraint}:getEffectivePolicy"


def project_iam_policy(*audit_configs: dict[str, Any]) -> dict[str, Any]:
    """A projects.getIamPolicy answer (Resource Manager v1 Policy)."""
    document: dict[str, Any] = {
        "version": 1,
        "etag": "BwYxNHw2Z0k=",
        "bindings": [
            {"role": "roles/owner", "members": ["user:dr.martin@cabinet-martin.fr"]},
            {"role": "roles/iam.securityReviewer", "members": [f"serviceAccount:scanner@{PROJECT}.iam.gserviceaccount.com"]},
        ],
    }
    if audit_configs:
        document["auditConfigs"] = list(audit_configs)
    return document


def audit_config(service: str, *log_types: str, exempted: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    logs = []
    for kind in log_types:
        entry: dict[str, Any] = {"logType": kind}
        if exempted and kind in exempted:
            entry["exemptedMembers"] = exempted[kind]
        logs.append(entry)
    return {"service": service, "auditLogConfigs": logs}


def effective_policy(constraint: str, *rules: dict[str, Any]) -> dict[str, Any]:
    """A getEffectivePolicy answer (Org Policy v2 Policy): named by project number, no etag."""
    spec: dict[str, Any] = {"rules": list(rules)} if rules else {}
    return {"name": f"projects/{PROJECT_NUMBER}/policies/{constraint}", "spec": spec}


def hmac_key(access_id: str, email: str, state: str, created: str) -> dict[str, Any]:
    return {
        "kind": "storage#hmacKeyMetadata",
        "id": f"{PROJECT}/{access_id}",
        "selfLink": f"https://www.googleapis.com/storage/v1/projects/{PROJECT}/hmacKeys/{access_id}",
        "accessId": access_id,
        "projectId": PROJECT,
        "serviceAccountEmail": email,
        "state": state,
        "timeCreated": created,
        "updated": created,
        "etag": "MQ==",
    }


def hmac_keys(*keys: dict[str, Any], next_page: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"kind": "storage#hmacKeysMetadata", "items": list(keys)}
    if next_page:
        document["nextPageToken"] = next_page
    return document


# -- Cloud KMS keys, log-based metrics and alert policies ---------------------------------------

METRICS_PATH = f"/v2/projects/{PROJECT}/metrics"
ALERT_POLICIES_PATH = f"/v3/projects/{PROJECT}/alertPolicies"
IAM_CHANGES_FILTER = 'resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions"'
"""The filter CIS GCP 2.10 gives, as gcloud and the console write it."""
QUARTER = "7776000s"
CMEK = f"projects/{PROJECT}/locations/europe-west9/keyRings/phi/cryptoKeys/buckets"
"""The default key of the practice's phi-paris bucket."""


def key_path(key: str) -> str:
    return f"/v1/{key}"


def days_from_now(days: int) -> str:
    """An RFC 3339 time as KMS writes it (nanoseconds, Z), `days` from now."""
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "123456789Z"


def crypto_key(name: str, rotation_period: str | None = None, next_rotation_days: int | None = None) -> dict[str, Any]:
    """A cryptoKeys.get answer (Cloud KMS v1 CryptoKey) for a symmetric key."""
    document: dict[str, Any] = {
        "name": name,
        "primary": {"name": f"{name}/cryptoKeyVersions/1", "state": "ENABLED", "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"},
        "purpose": "ENCRYPT_DECRYPT",
        "createTime": "2025-03-04T09:00:12.345678901Z",
        "versionTemplate": {"protectionLevel": "SOFTWARE", "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"},
        "destroyScheduledDuration": "2592000s",
    }
    if rotation_period:
        document["rotationPeriod"] = rotation_period
    if next_rotation_days is not None:
        document["nextRotationTime"] = days_from_now(next_rotation_days)
    return document


def log_metric(name: str, query: str, **fields: Any) -> dict[str, Any]:
    """A LogMetric as projects.metrics.list returns it."""
    return {
        "name": name,
        "description": "",
        "filter": query,
        "metricDescriptor": {
            "name": f"projects/{PROJECT}/metricDescriptors/logging.googleapis.com/user/{name}",
            "metricKind": "DELTA",
            "valueType": "INT64",
            "unit": "1",
            "type": f"logging.googleapis.com/user/{name}",
        },
        "createTime": "2025-04-01T08:00:00.000000000Z",
        "updateTime": "2025-04-01T08:00:00.000000000Z",
        **fields,
    }


def metrics(*items: dict[str, Any], next_page: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"metrics": list(items)} if items else {}
    if next_page:
        document["nextPageToken"] = next_page
    return document


CHANNEL = f"projects/{PROJECT}/notificationChannels/5120398745873452150"


def alert_policy(
    display: str, metric: str, enabled: bool = True, channels: tuple[str, ...] = (CHANNEL,), number: int = 1
) -> dict[str, Any]:
    """An AlertPolicy as projects.alertPolicies.list returns it: one threshold condition on the
    user-defined metric `metric`."""
    document: dict[str, Any] = {
        "name": f"projects/{PROJECT}/alertPolicies/1032847{number:05d}",
        "displayName": display,
        "combiner": "OR",
        "conditions": [{
            "name": f"projects/{PROJECT}/alertPolicies/1032847{number:05d}/conditions/1",
            "displayName": f"logging/user/{metric}",
            "conditionThreshold": {
                "filter": f'resource.type = "gcs_bucket" AND metric.type = "logging.googleapis.com/user/{metric}"',
                "comparison": "COMPARISON_GT",
                "thresholdValue": 0,
                "duration": "0s",
                "aggregations": [{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_COUNT"}],
                "trigger": {"count": 1},
            },
        }],
        "enabled": enabled,
        "creationRecord": {"mutateTime": "2025-04-01T08:05:00.000000000Z", "mutatedBy": "dr.martin@cabinet-martin.fr"},
    }
    if channels:
        document["notificationChannels"] = list(channels)
    return document


def alert_policies(*items: dict[str, Any], next_page: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"alertPolicies": list(items), "totalSize": len(items)} if items else {}
    if next_page:
        document["nextPageToken"] = next_page
    return document


PRACTICE_PROJECT: dict[str, tuple[int, Any]] = {
    # Data Access logs for Cloud Storage, the backup account exempted from DATA_READ.
    IAM_POLICY_PATH: (200, project_iam_policy(
        audit_config("allServices", "ADMIN_READ"),
        audit_config("storage.googleapis.com", "DATA_READ", "DATA_WRITE", exempted={"DATA_READ": [f"serviceAccount:{BACKUP_ACCOUNT}"]}),
    )),
    policy_path("storage.publicAccessPrevention"): (200, effective_policy("storage.publicAccessPrevention", {"enforce": False})),
    policy_path("gcp.resourceLocations"): (200, effective_policy("gcp.resourceLocations", {"values": {"allowedValues": ["in:eu-locations"]}})),
    policy_path("storage.uniformBucketLevelAccess"): (200, effective_policy("storage.uniformBucketLevelAccess")),
    policy_path("storage.secureHttpTransport"): (200, effective_policy("storage.secureHttpTransport", {"enforce": True})),
    HMAC_PATH: (200, hmac_keys(
        hmac_key("GOOG1EXAMPLEACTIVEKEY0000000000000000000000000000000000", SYNC_ACCOUNT, "ACTIVE", "2024-01-15T08:30:00.000Z"),
        hmac_key("GOOG1EXAMPLEINACTIVEKEY00000000000000000000000000000000", BACKUP_ACCOUNT, "INACTIVE", "2023-06-01T10:00:00.000Z"),
    )),
    key_path(CMEK): (200, crypto_key(CMEK, QUARTER, 41)),
    METRICS_PATH: (200, metrics(log_metric("bucket-iam-changes", IAM_CHANGES_FILTER))),
    ALERT_POLICIES_PATH: (200, alert_policies(alert_policy("Bucket IAM changed", "bucket-iam-changes", channels=()))),
}
"""The practice's project: object reads and writes logged (one exemption), no organization-wide
public access prevention, new resources kept to the EU, no uniform access requirement, HTTPS
only, one active HMAC key of a sync job, the buckets' Cloud KMS key rotated every 90 days, and
a log-based metric of bucket IAM changes whose alert policy notifies no one (no channel)."""

ORG_POLICY_DENIED = {
    policy_path(constraint): permission_denied("orgpolicy.policies.get", f"projects/{PROJECT}/policies/{constraint}")
    for constraint in ("storage.publicAccessPrevention", "gcp.resourceLocations", "storage.uniformBucketLevelAccess", "storage.secureHttpTransport")
}
"""Every Org Policy read refused (the scanner lacks roles/orgpolicy.policyViewer)."""


def project_apis(routes: Mapping[str, tuple[int, Any]] = PRACTICE_PROJECT) -> Responder:
    """A RecordingProxy responder that answers the project's Resource Manager, Org Policy and
    HMAC key requests from `routes` (keyed like `replay`) and lets the rest through."""

    def respond(method: str, target: str) -> tuple[int, Any] | None:
        path, key = _route(target)
        return routes.get(key) or routes.get(path)

    return respond


def chain(*responders: Responder) -> Responder:
    """The first responder's answer that is not None, else None (forward)."""

    def respond(method: str, target: str) -> tuple[int, Any] | None:
        for responder in responders:
            answer = responder(method, target)
            if answer is not None:
                return answer
        return None

    return respond


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[GcsEmulator]:
    emulator = GcsEmulator().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def google_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> pytest.MonkeyPatch:
    """No test may see the developer's Google credentials, gcloud config or metadata server."""
    for name in list(os.environ):
        if name.startswith(GOOGLE_ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path_factory.mktemp("gcloud")))
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    closed = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("GCE_METADATA_HOST", closed)
    monkeypatch.setenv("GCE_METADATA_IP", closed)
    return monkeypatch


@pytest.fixture
def gcs(gcs_emulator: GcsEmulator, google_env: pytest.MonkeyPatch) -> GcsEmulator:
    """The emulator, emptied, with STORAGE_EMULATOR_HOST pointing at it."""
    gcs_emulator.reset()
    google_env.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.url)
    return gcs_emulator


def storage_client(url: str) -> Any:
    """A google-cloud-storage client for setting up a tenant at `url` (anonymous)."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(project=PROJECT, credentials=AnonymousCredentials(), client_options={"api_endpoint": url})


# -- a practice's project with known settings ----------------------------------------------

DAY = 86400
DENIED_IAM_BUCKET = "scans-london"
TENANT_BUCKETS = ("phi-paris", "public-us", "backup-eur4", DENIED_IAM_BUCKET)


def _relocate(bucket: Any, location: str) -> None:
    """The emulator ignores the location given at creation: set it for the patch that follows
    (the client warns that real GCS would refuse this; here it stands in for creation)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        bucket.location = location


def _bind(bucket: Any, role: str, *members: str) -> None:
    policy = bucket.get_iam_policy(requested_policy_version=3)
    policy.bindings.append({"role": role, "members": set(members)})
    bucket.set_iam_policy(policy)


def build_tenant(emulator: GcsEmulator) -> None:
    """Four buckets, each created and then patched, as a practice might have them:

    - phi-paris: europe-west9, everything on (uniform access, prevention enforced, CMEK,
      versioning, locked 30-day retention, 30-day soft delete, logs, lifecycle, labels);
    - public-us: US multi-region, fine-grained ACLs, allUsers in IAM and in the ACL, a Gmail
      user, soft delete off, nothing else;
    - backup-eur4: EUR4 dual-region, versioning, unlocked 7-day retention, default soft delete;
    - scans-london: europe-west2, uniform access; its getIamPolicy is denied (by the proxy).
    """
    client = storage_client(emulator.url)
    owners = (f"projectOwner:{PROJECT}", f"projectEditor:{PROJECT}")

    paris = client.create_bucket("phi-paris")
    _relocate(paris, "EUROPE-WEST9")
    paris.iam_configuration.uniform_bucket_level_access_enabled = True
    paris.iam_configuration.public_access_prevention = "enforced"
    paris.default_kms_key_name = CMEK
    paris.versioning_enabled = True
    paris.retention_period = 30 * DAY
    paris.soft_delete_policy.retention_duration_seconds = 30 * DAY
    paris.enable_logging("cabinet-logs", "phi-paris/")
    paris.add_lifecycle_delete_rule(age=3650)
    paris.labels = {"env": "prod", "data": "phi"}
    paris.patch()
    emulator.server_sets("phi-paris", {"locationType": "region", "retentionPolicy": {"isLocked": True}})
    _bind(paris, "roles/storage.legacyBucketOwner", *owners)
    _bind(paris, "roles/storage.objectViewer", "user:ana@cabinet-martin.fr", f"serviceAccount:backup@{PROJECT}.iam.gserviceaccount.com")

    public = client.create_bucket("public-us")
    public.soft_delete_policy.retention_duration_seconds = 0
    public.patch()
    _bind(public, "roles/storage.objectViewer", "allUsers", "user:dr.martin.perso@gmail.com")
    public.acl.reload()
    public.acl.all().grant_read()
    public.acl.save()

    backup = client.create_bucket("backup-eur4")
    _relocate(backup, "EUR4")
    backup.iam_configuration.uniform_bucket_level_access_enabled = True
    backup.iam_configuration.public_access_prevention = "enforced"
    backup.versioning_enabled = True
    backup.retention_period = 7 * DAY
    backup.patch()
    emulator.server_sets("backup-eur4", {"locationType": "dual-region"})
    _bind(backup, "roles/storage.legacyBucketOwner", *owners)

    london = client.create_bucket(DENIED_IAM_BUCKET)
    _relocate(london, "EUROPE-WEST2")
    london.iam_configuration.uniform_bucket_level_access_enabled = True
    london.patch()
    emulator.server_sets(DENIED_IAM_BUCKET, {"locationType": "region"})


def deny_iam_of(bucket: str):
    """A RecordingProxy responder: getIamPolicy of `bucket` is forbidden, the rest goes through."""
    prefix = f"/storage/v1/b/{bucket}/iam"

    def respond(method: str, path: str) -> tuple[int, Any] | None:
        if method == "GET" and (path == prefix or path.startswith(prefix + "?")):
            return forbidden("storage.buckets.getIamPolicy", bucket)
        return None

    return respond
