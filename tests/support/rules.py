"""Build rules from Python dicts, through the same loader the CLI uses."""

from __future__ import annotations

from typing import Any

import yaml

from cloudaudit.engine.loader import RuleFile, parse_rule_files
from cloudaudit.engine.rule import Rule
from cloudaudit.engine.ruleset import ParamOverrides, compile_rules
from cloudaudit.model import Resource

BASE_RULE: dict[str, Any] = {
    "id": "test.rule",
    "control": "TST-01",
    "title": "a test rule",
    "resource": ["storage.bucket"],
    "severity": "high",
    "categories": ["encryption"],
    "remediation": {"text": "fix it"},
}


def rule_text(**fields: Any) -> str:
    return yaml.safe_dump({**BASE_RULE, **fields}, sort_keys=False)


def make_rule(overrides: dict[str, Any] | None = None, **fields: Any) -> Rule:
    document = {**BASE_RULE, **fields}
    specs = parse_rule_files([RuleFile(f"rules/{document['id']}.yaml", rule_text(**fields), False)])
    (rule,) = compile_rules(specs, ParamOverrides(overrides or {}, {}))
    return rule


def bucket(properties: dict[str, Any] | None = None, errors: dict[str, str] | None = None, **fields: Any) -> Resource:
    base = {
        "provider": "aws",
        "type": "storage.bucket",
        "id": "arn:aws:s3:::example",
        "name": "example",
        "account": "111122223333",
        "region": "eu-west-3",
    }
    base.update(fields)
    return Resource(properties=properties or {}, errors=errors or {}, **base)
