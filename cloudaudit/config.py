"""The config file: the tenants (practices) to audit, their accounts, parameters and rules.

    version: 1
    defaults:                      # for every tenant
      params: {allowed_regions: {region_set: eea}}
    tenants:
      - name: cabinet-martin
        accounts:
          - {provider: aws, profile: martin, regions: [eu-west-3]}
        params: {min_retention_days: 30}
        rules: {exclude: [aws.s3-mfa-delete]}
        suppressions: martin-accepted.yaml   # relative to this file

An IT provider lists all of its practices in one file and picks one with --tenant.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from cloudaudit.engine.ruleset import ParamOverrides, Selection
from cloudaudit.engine.validation import schema_problems
from cloudaudit.errors import InputError
from cloudaudit.model import Severity
from cloudaudit.providers import provider_names, provider_options
from cloudaudit.yamlfile import read_yaml_file


@dataclass(frozen=True)
class AccountConfig:
    provider: str
    settings: Mapping[str, Any]
    """Provider settings by OptionSpec.key (profile, regions, ...)."""


@dataclass(frozen=True)
class TenantConfig:
    name: str
    accounts: tuple[AccountConfig, ...] = ()
    params: ParamOverrides = field(default_factory=ParamOverrides)
    selection: Selection = field(default_factory=Selection)
    description: str = ""
    standard: str | None = None
    """The standard (rules/standards/) this tenant is held to; the CLI's --standard wins."""
    standard_where: str = ""
    suppressions: str | None = None
    """The tenant's suppressions file (resolved against the config file's folder); --suppressions wins."""


@dataclass(frozen=True)
class Config:
    path: str
    tenants: tuple[TenantConfig, ...]

    def tenant(self, name: str | None) -> TenantConfig:
        names = [t.name for t in self.tenants]
        if name is None:
            if len(self.tenants) == 1:
                return self.tenants[0]
            raise InputError(
                f"{self.path}: lists {len(names)} tenants; choose one with --tenant ({', '.join(names)})"
            )
        for tenant in self.tenants:
            if tenant.name == name:
                return tenant
        raise InputError(f"--tenant {name}: not in {self.path} (expected one of {', '.join(names)})")


def load_config(path: str) -> Config:
    document = read_yaml_file(path)
    if not isinstance(document, dict):
        raise InputError(f"{path}: $: expected a mapping with version and tenants")
    problems = [f"{path}: {p}" for p in schema_problems(document, "config.schema.json")]
    if problems:
        raise InputError(problems)
    tenants = []
    seen: set[str] = set()
    defaults = document.get("defaults") or {}
    for index, body in enumerate(document["tenants"]):
        where = f"{path}: $.tenants[{index}]"
        if body["name"] in seen:
            problems.append(f"{where}.name: tenant {body['name']!r} is listed twice")
            continue
        seen.add(body["name"])
        accounts = []
        for position, account in enumerate(body["accounts"]):
            parsed, account_problems = _account(account, f"{where}.accounts[{position}]")
            problems.extend(account_problems)
            if parsed:
                accounts.append(parsed)
        tenants.append(
            TenantConfig(
                name=body["name"],
                accounts=tuple(accounts),
                params=_params(defaults.get("params") or {}, body.get("params") or {}, path, index),
                selection=_selection(defaults.get("rules") or {}).merged(_selection(body.get("rules") or {})),
                description=body.get("description", ""),
                standard=body.get("standard") or defaults.get("standard"),
                standard_where=f"{where}.standard" if body.get("standard") else f"{path}: $.defaults.standard",
                suppressions=_beside(path, body.get("suppressions") or defaults.get("suppressions")),
            )
        )
    if problems:
        raise InputError(problems)
    return Config(path, tuple(tenants))


def _beside(config_path: str, relative: str | None) -> str | None:
    """A path written in the config file, read from the config file's folder."""
    if not relative:
        return None
    return os.path.join(os.path.dirname(os.path.abspath(config_path)), os.path.expanduser(relative))


def _account(body: Mapping[str, Any], where: str) -> tuple[AccountConfig | None, list[str]]:
    provider = body["provider"]
    if provider not in provider_names():
        return None, [f"{where}.provider: {provider!r} is not a provider (expected one of {', '.join(provider_names())})"]
    specs = {spec.key: spec for spec in provider_options(provider)}
    problems = []
    settings: dict[str, Any] = {}
    for key, value in body.items():
        if key == "provider":
            continue
        spec = specs.get(key)
        if spec is None:
            problems.append(f"{where}: unexpected key {key!r} for {provider} (expected one of {', '.join(specs)})")
        elif spec.multiple and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problems.append(f"{where}.{key}: expected a list of strings")
        elif not spec.multiple and not isinstance(value, str):
            problems.append(f"{where}.{key}: expected a string")
        else:
            settings[key] = value
    return AccountConfig(provider, settings), problems


def _params(defaults: Mapping[str, Any], own: Mapping[str, Any], path: str, index: int) -> ParamOverrides:
    values = dict(defaults)
    where = {name: f"{path}: $.defaults.params.{name}" for name in defaults}
    values.update(own)
    where.update({name: f"{path}: $.tenants[{index}].params.{name}" for name in own})
    return ParamOverrides(values, where)


def _selection(body: Mapping[str, Any]) -> Selection:
    return Selection(
        include=tuple(body.get("include") or ()),
        exclude=tuple(body.get("exclude") or ()),
        min_severity=Severity(body["min_severity"]) if body.get("min_severity") else None,
        categories=tuple(body.get("categories") or ()),
    )
