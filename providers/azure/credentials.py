"""Who the scan signs in as: DefaultAzureCredential, or a bearer token a CI job already holds."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

from cloudaudit.loopback import is_loopback_url
from cloudaudit.providers.azure.clouds import AzureCloud

STATIC_TOKEN_LIFETIME = 3600
"""How long a static token is said to last; it is asked for again after that (and is the same)."""


class StaticTokenCredential:
    """A credential that hands out one bearer token, for every scope (--azure-access-token)."""

    def __init__(self, token: str):
        self._token = token.strip()
        if self._token.lower().startswith("bearer "):
            self._token = self._token[7:].strip()

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + STATIC_TOKEN_LIFETIME)

    def __repr__(self) -> str:
        return "StaticTokenCredential(<token hidden>)"


def credential_for(cloud: AzureCloud, access_token: str | None) -> Any:
    """A static token credential, or DefaultAzureCredential signing in to the cloud's authority."""
    if access_token:
        return StaticTokenCredential(access_token)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(authority=cloud.authority, exclude_interactive_browser_credential=True)


class _LoopbackAware:
    """Bearer authentication that also works over plain http to a loopback address (a local
    test server). Every other plain-http URL is refused, as azure-core does."""

    def on_request(self, request: Any) -> None:
        url = request.http_request.url
        if url.lower().startswith("http://") and is_loopback_url(url):
            request.context["enforce_https"] = False
        super().on_request(request)  # type: ignore[misc]


class LoopbackAwareBearerPolicy(_LoopbackAware, ARMChallengeAuthenticationPolicy):
    """Resource Manager bearer authentication (see _LoopbackAware)."""


class LoopbackAwareVaultPolicy(_LoopbackAware, BearerTokenCredentialPolicy):
    """Key Vault bearer authentication, with a token for the vault audience (see _LoopbackAware)."""
