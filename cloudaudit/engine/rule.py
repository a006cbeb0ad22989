"""A rule: its declaration as read from YAML, and its compiled, ready-to-evaluate form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from cloudaudit.engine.expressions import (
    CompileContext,
    Evaluator,
    Outcome,
    Truth,
    compile_expression,
    show_value,
)
from cloudaudit.engine.params import ParamDeclaration
from cloudaudit.model import (
    PROVIDERS,
    ComplianceRef,
    Finding,
    Resource,
    RuleRef,
    Severity,
    Status,
)
from cloudaudit.paths import MISSING, PathSyntaxError, PropertyPath, Unreadable, parse_path
from cloudaudit.vocabulary import Vocabulary


@dataclass(frozen=True)
class HowToFix:
    """Where and how to apply a fix, on one cloud."""

    text: str | None = None
    """What to do, when it differs from the rule's general text."""
    console: str | None = None
    cli: str | None = None
    terraform: str | None = None


@dataclass(frozen=True)
class Remediation:
    text: str
    console: str | None = None
    cli: str | None = None
    terraform: str | None = None
    clouds: Mapping[str, HowToFix] = field(default_factory=dict)
    """Per provider (aws, azure, gcp): the console path, CLI and Terraform for that cloud."""

    @classmethod
    def from_document(cls, body: Mapping[str, Any]) -> "Remediation":
        clouds = {name: HowToFix(**body[name]) for name in PROVIDERS if name in body}
        general = {key: body[key] for key in ("text", "console", "cli", "terraform") if key in body}
        return cls(clouds=clouds, **general)

    def render(self, provider: str | None = None) -> str:
        """One text for a finding on `provider`: what to do, then where and how. With no
        provider (rule documentation), the general text followed by each cloud's."""
        if provider is not None:
            specific = self.clouds.get(provider, HowToFix())
            return _how_to(
                specific.text or self.text,
                specific.console or self.console,
                specific.cli or self.cli,
                specific.terraform or self.terraform,
            )
        parts = [_how_to(self.text, self.console, self.cli, self.terraform)]
        for name, specific in self.clouds.items():
            section = _how_to(specific.text, specific.console, specific.cli, specific.terraform)
            parts.append(f"{name.upper()}:\n" + "\n".join("  " + line for line in section.splitlines()))
        return "\n".join(parts)


def _how_to(text: str | None, console: str | None, cli: str | None, terraform: str | None) -> str:
    parts = [text] if text else []
    if console:
        parts.append(f"Console: {console}")
    if cli:
        parts.append(f"CLI: {cli}")
    if terraform:
        parts.append(f"Terraform: {terraform}")
    return "\n".join(parts)


@dataclass(frozen=True)
class RuleSpec:
    """A rule file, schema-valid, before its parameters are bound."""

    id: str
    control: str
    title: str
    resource_types: tuple[str, ...]
    severity: Severity
    categories: tuple[str, ...]
    assert_expr: Mapping[str, Any]
    remediation: Remediation
    source: str
    """Where it was read from, for messages: rules/encryption/x.yaml or the user's path."""
    bundled: bool
    description: str = ""
    providers: tuple[str, ...] | None = None
    """Only resources of these providers are checked (others give no finding at all)."""
    params: Mapping[str, ParamDeclaration] = field(default_factory=dict)
    applies_if: Mapping[str, Any] | None = None
    on_missing: str = "error"
    message: Mapping[str, Any] = field(default_factory=dict)
    """pass/fail templates, and per-provider overrides under aws/azure/gcp."""
    references: tuple[str, ...] = ()
    compliance: tuple[ComplianceRef, ...] = ()
    examples: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], source: str, bundled: bool) -> "RuleSpec":
        return cls(
            id=doc["id"],
            control=doc["control"],
            title=doc["title"],
            resource_types=tuple(doc["resource"]),
            severity=Severity(doc["severity"]),
            categories=tuple(doc["categories"]),
            assert_expr=doc["assert"],
            remediation=Remediation.from_document(doc["remediation"]),
            source=source,
            bundled=bundled,
            description=doc.get("description", ""),
            providers=tuple(doc["providers"]) if "providers" in doc else None,
            params={
                name: ParamDeclaration.from_rule(name, body)
                for name, body in (doc.get("params") or {}).items()
            },
            applies_if=doc.get("applies_if"),
            on_missing=doc.get("on_missing", "error"),
            message=doc.get("message") or {},
            references=tuple(doc.get("references") or ()),
            compliance=tuple(
                ComplianceRef(c["framework"], c["control"]) for c in doc.get("compliance") or ()
            ),
            examples=tuple(doc.get("examples") or ()),
        )

    @property
    def ref(self) -> RuleRef:
        return RuleRef(self.id, self.title, self.control, self.categories)

    @property
    def clouds(self) -> tuple[str, ...]:
        """The providers this rule can give findings for."""
        if self.providers:
            return self.providers
        by_type = {
            "storage.bucket": ("aws", "gcp"),
            "storage.account": ("azure",),
            "storage.container": ("azure",),
            "storage.share": ("azure",),
            "cloud.account": ("aws", "azure", "gcp"),
        }
        clouds: list[str] = []
        for rtype in self.resource_types:
            clouds.extend(c for c in by_type[rtype] if c not in clouds)
        return tuple(sorted(clouds))


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
WHY = "why"
"""The placeholder for what the evaluation saw, e.g. "retention.days is 7 (expected >= 30)"."""


@dataclass(frozen=True)
class _Template:
    """A message with {path} placeholders filled from the resource."""

    parts: tuple[str | PropertyPath | None, ...]
    """Literal text, a path to fill in, or None for {why}: what the evaluation saw."""

    def render(self, resource: Resource, outcome: Outcome) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part is None:
                out.append(outcome.describe())
            else:
                out.append(_plain(part.lookup(resource)))
        return "".join(out)


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value) if value else "none"
    if value is MISSING or isinstance(value, Unreadable):
        return "unknown"
    return show_value(value)


@dataclass(frozen=True)
class Rule:
    """A rule with its parameters bound and its expressions compiled, ready for resources."""

    spec: RuleSpec
    params: Mapping[str, Any]
    check: Evaluator
    applies: Evaluator | None
    paths: Mapping[str, PropertyPath]
    """Absolute paths the rule reads: they feed the collection plan and the finding's evidence."""
    templates: Mapping[tuple[str | None, str], _Template]
    """(provider or None, 'pass'|'fail') -> message template; a provider's own wins."""
    remediations: Mapping[str, str]
    """Provider -> the remediation text its findings carry, rendered once."""

    @property
    def id(self) -> str:
        return self.spec.id

    def matches(self, resource: Resource) -> bool:
        """Does this rule give a finding for this resource at all?"""
        if resource.type not in self.spec.resource_types:
            return False
        return self.spec.providers is None or resource.provider in self.spec.providers

    @cached_property
    def _ref(self) -> RuleRef:
        return self.spec.ref

    @cached_property
    def _given(self) -> dict[Any, Any]:
        """Messages and evidence this rule has given already: thousands of buckets mostly get
        the same few, and their findings share one copy (findings never change them)."""
        return {}

    def _shared(self, value: Any) -> Any:
        try:
            if isinstance(value, dict):
                key: Any = tuple((k, type(v), v) for k, v in value.items())
            else:
                key = (type(value), value)
            return self._given.setdefault(key, value)
        except TypeError:  # a list among the values: not hashable, kept as it is
            return value

    def evaluate(self, resource: Resource) -> Finding:
        status, message = self._judge(resource)
        return Finding(
            rule=self._ref,
            resource=resource,
            status=status,
            severity=self.spec.severity,
            message=self._shared(message),
            remediation=self.remediations.get(resource.provider) or self.spec.remediation.render(resource.provider),
            compliance=self.spec.compliance,
            evidence=self._shared(self._evidence(resource)),
        )

    def _judge(self, resource: Resource) -> tuple[Status, str]:
        if self.applies is not None:
            scope = self.applies(resource, None)
            if scope.truth is Truth.FALSE:
                return Status.NOT_APPLICABLE, f"not applicable: {scope.describe()}"
            if scope.truth is Truth.UNKNOWN:
                return Status.ERROR, f"cannot tell whether the rule applies: {scope.describe()}"
        outcome = self.check(resource, None)
        if outcome.truth is Truth.TRUE:
            return Status.PASS, self._message("pass", resource, outcome)
        if outcome.truth is Truth.FALSE:
            return Status.FAIL, self._message("fail", resource, outcome)
        if not outcome.unreadable and self.spec.on_missing == "fail":
            return Status.FAIL, self._message("fail", resource, outcome)
        return Status.ERROR, outcome.describe()

    def _message(self, kind: str, resource: Resource, outcome: Outcome) -> str:
        template = self.templates.get((resource.provider, kind)) or self.templates.get((None, kind))
        return template.render(resource, outcome) if template else outcome.describe()

    def _evidence(self, resource: Resource) -> dict[str, Any]:
        evidence = {}
        for text, path in self.paths.items():
            value = path.lookup(resource)
            if value is MISSING or isinstance(value, Unreadable):
                continue
            evidence[text] = value
        return evidence


def compile_rule(spec: RuleSpec, params: Mapping[str, Any], vocabulary: Vocabulary) -> tuple[Rule | None, list[str]]:
    """Compile a rule with bound parameters; returns (rule, []) or (None, problems)."""
    ctx = CompileContext(spec.resource_types, vocabulary, params)
    check = compile_expression(spec.assert_expr, "$.assert", ctx)
    applies = (
        compile_expression(spec.applies_if, "$.applies_if", ctx) if spec.applies_if else None
    )
    templates: dict[tuple[str | None, str], _Template] = {}
    for key, value in spec.message.items():
        if isinstance(value, str):
            templates[(None, key)] = _compile_template(value, f"$.message.{key}", ctx)
        else:
            for kind, text in value.items():
                templates[(key, kind)] = _compile_template(text, f"$.message.{key}.{kind}", ctx)
    if ctx.problems:
        return None, [f"{spec.source}: {p}" for p in ctx.problems]
    remediations = {provider: spec.remediation.render(provider) for provider in PROVIDERS}
    return Rule(spec, dict(params), check, applies, dict(ctx.paths), templates, remediations), []


def _compile_template(text: str, where: str, ctx: CompileContext) -> _Template:
    parts: list[str | PropertyPath | None] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        name = match.group(1).strip()
        position = match.end()
        if name == WHY:
            parts.append(None)
            continue
        try:
            path = parse_path(name)
        except PathSyntaxError as exc:
            ctx.problem(where, f"placeholder {{{name}}}: {exc}")
        else:
            # A message may name a fact of one of the rule's types only (a per-cloud message of
            # a rule on buckets and accounts); a name no type has is a typo.
            if path.root == "properties" and all(
                ctx.vocabulary.spec(t, name) is None for t in ctx.resource_types
            ):
                ctx.problem(where, f"placeholder {{{name}}} is not a property of {', '.join(ctx.resource_types)}")
            if path.root != "field":
                ctx.paths[name] = path
            parts.append(path)
    parts.append(text[position:])
    return _Template(tuple(p for p in parts if p != ""))
