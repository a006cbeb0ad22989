"""Credentials and one shared Cloud Storage client per scan, with retries and call counting."""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

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
from cloudaudit.providers.gcp.errors import NO_CREDENTIALS
from cloudaudit.redact import one_line

EMULATOR_ENV = "STORAGE_EMULATOR_HOST"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
"""getIamPolicy and the ACL reads accept no narrower scope; the scan itself only reads."""
RETRY_DEADLINE_SECONDS = 60.0
"""How long google-api-core keeps retrying one call (429, 5xx, connection errors)."""


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


class GcsSession:
    """One storage client shared by every worker thread, and the count of calls made."""

    def __init__(self, identity: GcpIdentity, project: str, workers: int):
        http = AuthorizedSession(identity.credentials)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(10, workers + 2))
        http.mount("https://", adapter)
        http.mount("http://", adapter)
        self.client = storage.Client(
            project=project,
            credentials=identity.credentials,
            _http=http,
            client_info=ClientInfo(user_agent=f"cloudaudit/{__version__}"),
        )
        # Recent clients fetch each bucket again (buckets.get, in a background thread) to label
        # their tracing spans. The listing already gave us every bucket: no extra call, no
        # storage.buckets.get permission needed. The client treats a missing cache as off.
        if getattr(self.client, "_bucket_metadata_cache", None) is not None:
            self.client._bucket_metadata_cache = None
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
