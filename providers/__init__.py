"""Cloud adapters. Each provider package declares its options without importing its SDK, and
loads its adapter only when it is used, so start-up stays fast."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from cloudaudit.providers.interface import OptionSpec

if TYPE_CHECKING:
    from cloudaudit.providers.interface import Provider

PROVIDER_PACKAGES = {
    "aws": "cloudaudit.providers.aws",
    "azure": "cloudaudit.providers.azure",
    "gcp": "cloudaudit.providers.gcp",
}


def provider_names() -> tuple[str, ...]:
    return tuple(PROVIDER_PACKAGES)


def provider_options(name: str) -> tuple[OptionSpec, ...]:
    return importlib.import_module(PROVIDER_PACKAGES[name]).OPTIONS


def provider_class(name: str) -> type["Provider"]:
    return importlib.import_module(PROVIDER_PACKAGES[name]).load_provider()
