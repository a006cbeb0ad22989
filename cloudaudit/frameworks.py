"""Compliance frameworks (rules/frameworks/*.yaml) and the compliance summary of a scan.

A framework lists its storage-relevant requirements; each is evidenced by rules, or is
`manual` when no cloud API can answer it (an HDS certificate, a contract). Manual requirements
are reported as MANUAL, never as PASS.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from cloudaudit.engine.rule import RuleSpec
from cloudaudit.datafiles import load_bundled_documents
from cloudaudit.errors import InputError
from cloudaudit.model import Finding, Status

FRAMEWORK_DIRECTORY = "frameworks"


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    rules: tuple[str, ...] = ()
    manual: str | None = None
    """Why no API answers it and what to show an auditor instead; None when rules evidence it."""


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    version: str
    requirements: tuple[Requirement, ...]
    url: str = ""
    description: str = ""
    source: str = ""

    @property
    def rule_ids(self) -> tuple[str, ...]:
        ids: list[str] = []
        for requirement in self.requirements:
            ids.extend(r for r in requirement.rules if r not in ids)
        return tuple(ids)

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)


@functools.lru_cache(maxsize=1)
def load_frameworks() -> Mapping[str, Framework]:
    frameworks: dict[str, Framework] = {}
    problems: list[str] = []
    for source, document in load_bundled_documents(FRAMEWORK_DIRECTORY, "framework.schema.json"):
        for index, body in enumerate(document["requirements"]):
            if bool(body.get("rules")) == bool(body.get("manual")):
                problems.append(f"{source}: $.requirements[{index}]: needs either rules or manual (exactly one)")
        frameworks[document["id"]] = Framework(
            id=document["id"],
            name=document["name"],
            version=document["version"],
            url=document.get("url", ""),
            description=document.get("description", ""),
            source=source,
            requirements=tuple(
                Requirement(r["id"], r["title"], tuple(r.get("rules", ())), r.get("manual"))
                for r in document["requirements"]
            ),
        )
    if problems:
        raise InputError(problems)
    return frameworks


def get_framework(name: str) -> Framework:
    frameworks = load_frameworks()
    if name not in frameworks:
        raise InputError(f"--framework {name}: unknown framework (expected one of {', '.join(frameworks)})")
    return frameworks[name]


def integrity_problems(frameworks: Mapping[str, Framework], specs: Sequence[RuleSpec]) -> list[str]:
    """Mappings that do not hold together: a framework naming a rule that does not exist, a rule
    citing a framework or requirement that does not exist, or the two sides disagreeing."""
    by_id = {spec.id: spec for spec in specs}
    problems: list[str] = []
    for framework in frameworks.values():
        seen: set[str] = set()
        for requirement in framework.requirements:
            if requirement.id in seen:
                problems.append(f"{framework.source}: requirement {requirement.id} is listed twice")
            seen.add(requirement.id)
            for rule_id in requirement.rules:
                spec = by_id.get(rule_id)
                if spec is None:
                    problems.append(f"{framework.source}: requirement {requirement.id} names rule {rule_id!r}, which does not exist")
                elif not any(c.framework == framework.id and c.control == requirement.id for c in spec.compliance):
                    problems.append(
                        f"{framework.source}: requirement {requirement.id} names rule {rule_id!r}, "
                        f"but {spec.source} does not cite {framework.id} {requirement.id}"
                    )
    for spec in specs:
        for ref in spec.compliance:
            framework = frameworks.get(ref.framework)
            if framework is None:
                problems.append(f"{spec.source}: cites framework {ref.framework!r}, which does not exist")
                continue
            requirement = framework.requirement(ref.control)
            if requirement is None:
                problems.append(f"{spec.source}: cites {ref.framework} {ref.control}, which {framework.source} does not list")
            elif spec.id not in requirement.rules:
                problems.append(
                    f"{spec.source}: cites {ref.framework} {ref.control}, but {framework.source} does not name {spec.id} there"
                )
    return problems


# -- the compliance summary of a scan --------------------------------------------------------

MANUAL = "MANUAL"
"""A requirement no API can answer; the practice has to show evidence itself."""
NO_DATA = "NOT_APPLICABLE"
"""Its rules ran on no resource (nothing of that kind in the tenant, or every rule N/A)."""


def compliance_summary(framework: Framework, findings: Iterable[Finding]) -> dict[str, Any]:
    """Per requirement: PASS, FAIL, ERROR, MANUAL or NOT_APPLICABLE, with resource counts."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule.id].append(finding)
    rows = []
    totals: dict[str, int] = defaultdict(int)
    for requirement in framework.requirements:
        row: dict[str, Any] = {"id": requirement.id, "title": requirement.title, "rules": list(requirement.rules)}
        if requirement.manual:
            row.update(status=MANUAL, manual=requirement.manual, failing_resources=0, error_resources=0, checked_resources=0)
        else:
            related = [f for rule_id in requirement.rules for f in by_rule.get(rule_id, ())]
            failing = sorted({f.resource.id for f in related if f.status is Status.FAIL})
            erroring = sorted({f.resource.id for f in related if f.status is Status.ERROR})
            checked = {f.resource.id for f in related if f.status is not Status.NOT_APPLICABLE}
            if failing:
                status = Status.FAIL.value
            elif erroring:
                status = Status.ERROR.value
            elif checked:
                status = Status.PASS.value
            else:
                status = NO_DATA
            row.update(
                status=status,
                failing_resources=len(failing),
                error_resources=len(erroring),
                checked_resources=len(checked),
                failing=[
                    {"rule": f.rule.id, "resource": f.resource.id, "message": f.message}
                    for f in related
                    if f.status is Status.FAIL
                ],
            )
        totals[row["status"]] += 1
        rows.append(row)
    return {
        "framework": {"id": framework.id, "name": framework.name, "version": framework.version},
        "requirements": rows,
        "summary": {status: totals.get(status, 0) for status in ("PASS", "FAIL", "ERROR", MANUAL, NO_DATA)},
    }
