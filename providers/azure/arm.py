"""One Resource Manager session per scan: shared credential, transport and call log, a storage
client per subscription, plain GETs for the few ARM reads outside Microsoft.Storage, and the
Key Vault reads of customer-managed keys."""

from __future__ import annotations

import threading
from typing import Any, Iterator

import requests
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.exceptions import ARMErrorFormat
from azure.core.exceptions import HttpResponseError

from cloudaudit.providers.azure.calls import CallLog, Reader
from cloudaudit.providers.azure.clouds import AzureCloud
from cloudaudit.providers.azure.credentials import LoopbackAwareBearerPolicy
from cloudaudit.providers.azure.errors import fatal_for_scan
from cloudaudit.providers.azure.keyvault import KeyVault, endpoint_from_environment
from cloudaudit.providers.azure.pipeline import read_pipeline

TIMEOUTS = {"connection_timeout": 10, "read_timeout": 60}


class ArmSession:
    """Clients are created once per subscription and shared by every worker thread."""

    def __init__(self, cloud: AzureCloud, credential: Any, workers: int):
        self.cloud = cloud
        self.credential = credential
        self.log = CallLog()
        self.reader = Reader(self.log, lambda exc: fatal_for_scan(exc, cloud.arm_endpoint))
        http = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(10, workers + 2))
        http.mount("https://", adapter)
        http.mount("http://", adapter)
        self._transport = RequestsTransport(session=http, session_owner=False, **TIMEOUTS)
        self._storage: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._generic = ARMPipelineClient(base_url=cloud.arm_endpoint, policies=self._policies(), transport=self._transport)
        self.keyvault = KeyVault(cloud, credential, self._transport, self.log, endpoint_from_environment())
        """Key Vault data-plane reads (customer-managed keys' rotation policies), once per key."""

    def _policies(self) -> list[Any]:
        """azure-mgmt's usual pipeline, less ARMAutoResourceProviderRegistrationPolicy: on a 409
        MissingSubscriptionRegistration it would POST a provider registration, a write."""
        return read_pipeline(LoopbackAwareBearerPolicy(self.credential, self.cloud.arm_scope))

    def storage(self, subscription: str) -> Any:
        """The azure-mgmt-storage client of one subscription."""
        client = self._storage.get(subscription)
        if client is not None:
            return client
        with self._lock:
            client = self._storage.get(subscription)
            if client is None:
                from azure.mgmt.storage import StorageManagementClient

                client = StorageManagementClient(
                    self.credential,
                    subscription,
                    base_url=self.cloud.arm_endpoint,
                    credential_scopes=[self.cloud.arm_scope],
                    policies=self._policies(),
                    transport=self._transport,
                )
                self._storage[subscription] = client
        return client

    # -- plain ARM reads (subscriptions, Microsoft.Insights, .Authorization, .Security) ----------

    def get(self, call: str, path: str, api_version: str, *, absent: tuple[int, ...] = ()) -> dict[str, Any] | None:
        """GET one ARM document; None when its status is one of `absent`."""
        return self.reader.one(call, self._get_json, absent=absent, url=self._url(path), api_version=api_version)

    def list(self, call: str, path: str, api_version: str) -> list[dict[str, Any]]:
        """Every `value` item of an ARM list, following nextLink."""
        return self.reader.every(call, _Pager(self, self._url(path), api_version))

    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.cloud.arm_endpoint}{path}"

    def _get_json(self, url: str, api_version: str) -> dict[str, Any]:
        """GET a URL; the api-version is added unless the URL (a nextLink) already has one."""
        params = {} if "api-version=" in url else {"api-version": api_version}
        response = self._generic.send_request(HttpRequest("GET", url, params=params))
        if response.status_code != 200:
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        return response.json()

    def close(self) -> None:
        for client in self._storage.values():
            client.close()
        self._generic.close()
        self.keyvault.close()
        self._transport.close()


class _Pager:
    """A minimal pager over `{"value": [...], "nextLink": ...}` with the SDK's by_page shape."""

    def __init__(self, session: ArmSession, url: str, api_version: str):
        self._session = session
        self._url = url
        self._api_version = api_version

    def by_page(self) -> Iterator[list[dict[str, Any]]]:
        url: str | None = self._url
        while url:
            document = self._session._get_json(url, self._api_version)
            yield list(document.get("value") or [])
            url = document.get("nextLink") or None
