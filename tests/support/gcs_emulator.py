"""Cloud Storage for tests: gcp-storage-emulator in this process, a replay server for recorded
JSON API responses, and the fixtures that point google-cloud-storage at them.

The emulator keeps only what a bucket PATCH sends (see ../shared/TESTING.md). What real GCS
sets itself - the location type of a bucket created elsewhere than the US, a dual-region's
placement, a locked retention policy - is written into the emulator's bucket records directly
(`server_sets`), the way moto's backends are used for AWS. The replay server answers with JSON
documents shaped like the real API's, for what no emulator holds.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Iterator, Mapping
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.http_proxy import RecordingProxy
from tests.support.network import free_port

PROJECT = "cabinet-martin"
PROJECT_NUMBER = "123456789012"
GOOGLE_ENV_PREFIXES = ("GOOGLE_", "GCLOUD_", "CLOUDSDK_", "GCE_", "STORAGE_EMULATOR_HOST", "API_ENDPOINT_OVERRIDE")


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


def replay(routes: Mapping[str, tuple[int, Any]]) -> RecordingProxy:
    """A server that answers every request from recorded JSON API documents (forwarding none),
    keyed by path plus the `project` and `pageToken` query parameters of bucket listings
    (`/storage/v1/b?project=P&pageToken=T`); anything else gets a 404 document. Every
    request is recorded. Call start() and stop()."""

    def respond(method: str, target: str) -> tuple[int, Any]:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        selected = [f"{name}={query[name][0]}" for name in ("project", "pageToken") if name in query]
        key = parts.path + ("?" + "&".join(selected) if selected else "")
        return routes.get(key) or routes.get(parts.path) or NOT_FOUND

    return RecordingProxy(upstream_port=0, respond=respond)


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

CMEK = f"projects/{PROJECT}/locations/europe-west9/keyRings/phi/cryptoKeys/buckets"
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
