"""The Azure clouds: where Resource Manager answers and where identities sign in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping
from urllib.parse import urlsplit

from cloudaudit.errors import InputError
from cloudaudit.loopback import is_loopback_url
from cloudaudit.providers.azure import CLOUD_NAMES


@dataclass(frozen=True)
class AzureCloud:
    name: str
    """public, usgov, china, or custom (an --azure-arm-endpoint)."""
    arm_endpoint: str
    """Resource Manager base URL, without a trailing slash."""
    authority: str
    """Entra ID sign-in host for DefaultAzureCredential."""
    vault_suffix: str = "vault.azure.net"
    """DNS suffix of its Key Vaults; also the audience of Key Vault tokens."""

    @property
    def arm_scope(self) -> str:
        """The token scope for Resource Manager calls."""
        return f"{self.arm_endpoint}/.default"

    @property
    def vault_scope(self) -> str:
        """The token scope for Key Vault data-plane calls."""
        return f"https://{self.vault_suffix}/.default"


CLOUDS: Mapping[str, AzureCloud] = {
    "public": AzureCloud("public", "https://management.azure.com", "login.microsoftonline.com"),
    "usgov": AzureCloud("usgov", "https://management.usgovcloudapi.net", "login.microsoftonline.us", "vault.usgovcloudapi.net"),
    "china": AzureCloud("china", "https://management.chinacloudapi.cn", "login.chinacloudapi.cn", "vault.azure.cn"),
}


def cloud_from(settings: Mapping[str, Any]) -> AzureCloud:
    """The cloud of --azure-cloud, with --azure-arm-endpoint taking its Resource Manager's place."""
    name = (settings.get("cloud") or "public").lower()
    if name not in CLOUDS:
        raise InputError(f"--azure-cloud {settings.get('cloud')}: unknown cloud (expected one of {', '.join(CLOUD_NAMES)})")
    cloud = CLOUDS[name]
    endpoint = settings.get("arm_endpoint")
    if endpoint:
        checked = checked_endpoint(f"--azure-arm-endpoint {endpoint}", endpoint, "https://management.azure.com")
        cloud = replace(cloud, name="custom", arm_endpoint=checked)
    return cloud


def checked_endpoint(label: str, endpoint: str, example: str) -> str:
    """`endpoint` without its trailing slash, if a bearer token may go there: https, or plain
    http to a loopback test server. InputError starting with `label` otherwise."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{label}: expected an http(s) URL such as {example}")
    if parts.scheme == "http" and not is_loopback_url(endpoint):
        raise InputError(f"{label}: expected https (plain http is accepted only for a loopback test server)")
    return endpoint.rstrip("/")
