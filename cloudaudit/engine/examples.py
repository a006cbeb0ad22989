"""`rules test`: run each rule on the example resources written next to it.

Every rule must show at least one resource that passes and one that fails; an example whose
properties use a path the vocabulary does not know is a failure too (it would test nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from cloudaudit.engine.rule import RuleSpec
from cloudaudit.engine.ruleset import ParamOverrides, compile_rules
from cloudaudit.errors import InputError
from cloudaudit.model import Resource, Status
from cloudaudit.vocabulary import vocabulary


@dataclass(frozen=True)
class ExampleResult:
    rule_id: str
    source: str
    examples: int
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def example_resource(spec: RuleSpec, index: int, body: Mapping[str, Any]) -> Resource:
    name = body.get("name") or f"example-{index}"
    return Resource(
        provider=body["provider"],
        type=body["type"],
        id=body.get("id") or f"example://{spec.id}/{index}",
        name=name,
        account=body.get("account", "000000000000"),
        region=body.get("region"),
        tags=dict(body.get("tags") or {}),
        properties=body.get("properties") or {},
        raw=body.get("raw") or {},
        errors=dict(body.get("errors") or {}),
    )


def run_examples(spec: RuleSpec) -> ExampleResult:
    failures: list[str] = []
    vocab = vocabulary()
    for index, example in enumerate(spec.examples):
        label = f"examples[{index}] {example['name']!r}"
        resource = example_resource(spec, index, example["resource"])
        unknown = vocab.unknown_paths(resource.type, resource.properties)
        if unknown:
            failures.append(f"{label}: unknown property path {', '.join(repr(p) for p in unknown)}")
            continue
        params = example.get("params") or {}
        where = {name: f"{spec.source}: $.{label.split()[0]}.params.{name}" for name in params}
        try:
            (rule,) = compile_rules([spec], ParamOverrides(params, where))
        except InputError as exc:
            failures.extend(f"{label}: {line}" for line in exc.problems)
            continue
        if not rule.matches(resource):
            failures.append(f"{label}: the rule does not check {resource.provider} {resource.type} resources")
            continue
        finding = rule.evaluate(resource)
        if finding.status.value != example["expect"]:
            failures.append(
                f"{label}: expected {example['expect']}, got {finding.status.value} ({finding.message})"
            )
    for needed in (Status.PASS, Status.FAIL):
        if not any(e["expect"] == needed.value for e in spec.examples):
            failures.append(f"has no {needed.value} example (add one under `examples:`)")
    return ExampleResult(spec.id, spec.source, len(spec.examples), tuple(failures))


def run_all_examples(specs: Sequence[RuleSpec]) -> list[ExampleResult]:
    return [run_examples(spec) for spec in specs]
