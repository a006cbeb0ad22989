"""Credentials, one shared Cloud Storage client and one authorised HTTP session per scan (for
the Resource Manager, Organization Policy, Cloud KMS, Logging and Monitoring APIs), with
retries and call counting."""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import google.api_core.exceptions as api_exceptions
import google.auth
import google.auth.exceptions as auth_exceptions
from google.api_core.client_info import ClientInfo
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import AuthorizedSession
from google.cloud import storage
from google.cloud.storage.retry import DEFAULT_RETRY
from google.oauth2 import service_account
from requests.adapters import HTTPAdapter

from cloudaudit import __version__
from cloudaudit.errors import InputError, ScanCannotRun
from cloudaudit.loopback import is_loopback_host
from cloudaudit.providers.gcp.errors import NO_CREDENTIALS
from cloudaudit.redact import one_line

EMULATOR_ENV = "STORAGE_EMULATOR_HOST"
RESOURCE_MANAGER_ENV = "CLOUDAUDIT_GCP_RESOURCEMANAGER_ENDPOINT"
ORG_POLICY_ENV = "CLOUDAUDIT_GCP_ORGPOLICY_ENDPOINT"
KMS_ENV = "CLOUDAUDIT_GCP_KMS_ENDPOINT"
LOGGING_ENV = "CLOUDAUDIT_GCP_LOGGING_ENDPOINT"
MONITORING_ENV = "CLOUDAUDIT_GCP_MONITORING_ENDPOINT"
RESOURCE_MANAGER_ENDPOINT = "https://cloudresourcemanager.googleapis.com"
ORG_POLICY_ENDPOINT = "https://orgpolicy.googleapis.com"
KMS_ENDPOINT = "https://cloudkms.googleapis.com"
LOGGING_ENDPOINT = "https://logging.googleapis.com"
MONITORING_ENDPOINT = "https://monitoring.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
"""getIamPolicy and the ACL reads accept no narrower scope; the scan itself only reads."""
RETRY_DEADLINE_SECONDS = 60.0
"""How long google-api-core keeps retrying one call (429, 5xx, connection errors)."""
REQUEST_TIMEOUT_SECONDS = 60
"""One HTTP request's connect and read timeout: google-cloud-storage's own default
(google.cloud.storage.constants._DEFAULT_TIMEOUT), so every API waits alike."""
USER_AGENT = f"cloudaudit/{__version__}"


@dataclass(frozen=True)
class GcpIdentity:
    """Who the scan runs as."""

    credentials: Credentials
    default_project: str | None
    """The project the credentials name (key file, ADC, GOOGLE_CLOUD_PROJECT), if any."""
    emulator: str | None
    """STORAGE_EMULATOR_HOST when set: anonymous credentials, that endpoint."""


def open_identity(credentials_file: str | None) -> GcpIdentity:
    """The credentials to use; InputError for a bad key file, ScanCannotRun when there are none."""
    emulator = os.environ.get(EMULATOR_ENV) or None
    if emulator:
        return GcpIdentity(AnonymousCredentials(), _environment_project(), emulator)
    if credentials_file:
        return _from_key_file(credentials_file)
    try:
        credentials, project = google.auth.default(scopes=list(SCOPES))
    except auth_exceptions.DefaultCredentialsError as exc:
        if "not found" in str(exc).lower() or "could not automatically determine" in str(exc).lower():
            raise ScanCannotRun(NO_CREDENTIALS) from None
        raise ScanCannotRun(f"gcp: the application-default credentials cannot be used: {one_line(str(exc), 200)}") from None
    return GcpIdentity(credentials, project or _environment_project(), None)


def _from_key_file(path: str) -> GcpIdentity:
    where = f"--gcp-credentials-file {path}"
    try:
        credentials = service_account.Credentials.from_service_account_file(path, scopes=list(SCOPES))
    except OSError as exc:
        raise InputError(f"{where}: cannot read the file ({exc.strerror or exc})") from None
    except (ValueError, KeyError, TypeError):
        raise InputError(
            f"{where}: not a service-account key file (expected the JSON key with type service_account, "
            "client_email and private_key)"
        ) from None
    return GcpIdentity(credentials, credentials.project_id, None)


def _environment_project() -> str | None:
    return os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("GCLOUD_PROJECT") or None


@dataclass(frozen=True)
class ApiEndpoints:
    """Where the JSON REST reads go (scheme and host, no trailing slash)."""

    resource_manager: str
    org_policy: str
    kms: str
    """Cloud KMS: the buckets' default keys."""
    logging: str
    """Cloud Logging: the project's log-based metrics."""
    monitoring: str
    """Cloud Monitoring: the project's alert policies."""


def api_endpoints(emulator: str | None) -> ApiEndpoints:
    """Google's endpoints, or those the environment names. With STORAGE_EMULATOR_HOST set and
    no endpoint of their own, these APIs go to the emulator too: anonymous credentials never
    reach Google, and a test server can answer every Google API on one port."""
    fallback = emulator.rstrip("/") if emulator else None
    anonymous = emulator is not None
    return ApiEndpoints(
        _endpoint(RESOURCE_MANAGER_ENV, fallback or RESOURCE_MANAGER_ENDPOINT, anonymous),
        _endpoint(ORG_POLICY_ENV, fallback or ORG_POLICY_ENDPOINT, anonymous),
        _endpoint(KMS_ENV, fallback or KMS_ENDPOINT, anonymous),
        _endpoint(LOGGING_ENV, fallback or LOGGING_ENDPOINT, anonymous),
        _endpoint(MONITORING_ENV, fallback or MONITORING_ENDPOINT, anonymous),
    )


def _endpoint(variable: str, default: str, anonymous: bool) -> str:
    given = os.environ.get(variable)
    if not given:
        return default
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{variable}={given}: expected a URL such as https://HOST or http://127.0.0.1:PORT")
    if parts.scheme == "http" and not anonymous and not is_loopback_host(parts.hostname):
        # The session sends the credentials' bearer token with every request.
        raise InputError(f"{variable}={given}: plain http is only accepted for a loopback address; use https")
    return given.rstrip("/")


class GcsSession:
    """One storage client shared by every worker thread, and the count of calls made."""

    def __init__(self, identity: GcpIdentity, project: str, workers: int):
        self.endpoints = api_endpoints(identity.emulator)
        http = AuthorizedSession(identity.credentials)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(10, workers + 2))
        http.mount("https://", adapter)
        http.mount("http://", adapter)
        self.client = storage.Client(
            project=project,
            credentials=identity.credentials,
            _http=http,
            client_info=ClientInfo(user_agent=USER_AGENT),
        )
        # Recent clients fetch each bucket again (buckets.get, in a background thread) to label
        # their tracing spans. The listing already gave us every bucket: no extra call, no
        # storage.buckets.get permission needed. The client treats a missing cache as off.
        if getattr(self.client, "_bucket_metadata_cache", None) is not None:
            self.client._bucket_metadata_cache = None
        self.http = http
        """The same authorised session (credentials, connection pool) for the JSON REST reads."""
        self.retry = DEFAULT_RETRY.with_timeout(RETRY_DEADLINE_SECONDS)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return self.client.api_endpoint

    def count(self, call: str) -> None:
        with self._lock:
            self.calls[call] += 1

    def bucket(self, name: str) -> Any:
        return self.client.bucket(name)

    def request_json(self, method: str, url: str, body: Any = None) -> Any:
        """One JSON REST request through the authorised session, retried like the storage
        client's calls (429, 5xx, connection errors, within RETRY_DEADLINE_SECONDS). An HTTP
        error raises the google-api-core exception the storage client would raise."""

        def attempt() -> Any:
            response = self.http.request(
                method, url, json=body, headers={"User-Agent": USER_AGENT}, timeout=REQUEST_TIMEOUT_SECONDS
            )
            if response.status_code >= 400:
                raise api_exceptions.from_http_response(response)
            return response.json()

        return self.retry(attempt)()
