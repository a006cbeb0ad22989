"""Key Vault data plane: does a storage account's customer-managed key rotate by itself?

One GET per distinct key for the whole scan (`GET {vault}/keys/{name}/rotationpolicy`,
api-version 7.4), with the scan's credential and a token for the vault audience. A Resource
Manager bearer token (--azure-access-token) cannot be used there: those keys are "not visible".
The token only goes to a host of the cloud's Key Vault DNS suffix, or to the endpoint of
CLOUDAUDIT_AZURE_KEYVAULT_ENDPOINT (an emulator or test server; plain http only on loopback).
"""

from __future__ import annotations

import os
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat

from cloudaudit.providers.azure.calls import CallLog, Reader
from cloudaudit.providers.azure.clouds import AzureCloud, checked_endpoint
from cloudaudit.providers.azure.credentials import LoopbackAwareVaultPolicy, StaticTokenCredential
from cloudaudit.providers.azure.pipeline import read_pipeline
from cloudaudit.providers.facts import ReadFailure, SharedReads

KEYVAULT_API = "7.4"
ROTATION_CALL = "keyvault:GetKeyRotationPolicy"
ENDPOINT_ENV = "CLOUDAUDIT_AZURE_KEYVAULT_ENDPOINT"
NOT_VISIBLE_WITH_TOKEN = (
    "not visible with --azure-access-token (a Resource Manager token cannot read Key Vault): "
    "sign in with DefaultAzureCredential (az login, a managed identity, a service principal) to read rotation policies"
)
TRIGGERS = ("timeAfterCreate", "timeBeforeExpiry")


def rotates(policy: Mapping[str, Any] | None) -> bool:
    """A rotation policy (Key Vault 7.4) rotates the key: a `Rotate` lifetime action with a
    trigger. A key without a policy answers with a default one that only notifies."""
    for action in (policy or {}).get("lifetimeActions") or []:
        kind = str(((action or {}).get("action") or {}).get("type") or "").lower()
        trigger = (action or {}).get("trigger") or {}
        if kind == "rotate" and any(trigger.get(t) for t in TRIGGERS):
            return True
    return False


def endpoint_from_environment(environ: Mapping[str, str] = os.environ) -> str | None:
    endpoint = (environ.get(ENDPOINT_ENV) or "").strip().rstrip("/")
    if not endpoint:
        return None
    return checked_endpoint(f"{ENDPOINT_ENV}={endpoint}", endpoint, "https://VAULT.vault.azure.net")


class KeyVault:
    """Rotation policies of the keys storage accounts name, each read once; thread-safe."""

    def __init__(self, cloud: AzureCloud, credential: Any, transport: Any, log: CallLog, endpoint: str | None = None):
        self._cloud = cloud
        self._static = isinstance(credential, StaticTokenCredential)
        self._endpoint = endpoint
        # No failure here ends the scan: a vault in another tenant or a denied key fails only
        # the facts of the accounts that use it.
        self._reader = Reader(log)
        self._shared = SharedReads()
        self._client = None if self._static else PipelineClient(
            base_url=endpoint or f"https://{cloud.vault_suffix}",
            policies=read_pipeline(LoopbackAwareVaultPolicy(credential, cloud.vault_scope)),
            transport=transport,
        )

    def key_rotates(self, vault_uri: str, key_name: str) -> bool:
        vault = vault_uri.strip().rstrip("/")
        return self._shared.get((vault.lower(), key_name.lower()), lambda: self._read(vault, key_name))

    def _read(self, vault: str, key_name: str) -> bool:
        if self._static or self._client is None:
            raise ReadFailure(f"{ROTATION_CALL}: {NOT_VISIBLE_WITH_TOKEN}")
        url = f"{self._endpoint or self._checked(vault)}/keys/{quote(key_name, safe='')}/rotationpolicy"
        return rotates(self._reader.one(ROTATION_CALL, self._get_json, absent=(404,), url=url))

    def _checked(self, vault: str) -> str:
        """The vault URI, if the token may go there."""
        parts = urlsplit(vault)
        host = (parts.hostname or "").lower()
        if ".managedhsm." in f".{host}":
            raise ReadFailure(f"{ROTATION_CALL}: {vault} is a Managed HSM: its keys' rotation policies are not read yet")
        if parts.scheme != "https" or not host.endswith("." + self._cloud.vault_suffix):
            raise ReadFailure(f"{ROTATION_CALL}: keyvaulturi {vault} is not a Key Vault of this cloud (*.{self._cloud.vault_suffix}); not read")
        return f"https://{parts.netloc}"

    def _get_json(self, url: str) -> dict[str, Any]:
        assert self._client is not None
        response = self._client.send_request(HttpRequest("GET", url, params={"api-version": KEYVAULT_API}))
        if response.status_code != 200:
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)  # Key Vault errors have ARM's shape
        return response.json()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
