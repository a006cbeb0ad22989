"""rules list | show | validate | test"""

from __future__ import annotations

import json
import sys
import textwrap
from typing import Sequence

import click
from tabulate import tabulate

from cloudaudit.atomic import write_text_atomic
from cloudaudit.engine.examples import run_all_examples
from cloudaudit.engine.loader import bundled_rule_files, load_rule_specs, parse_rule_files, user_rule_files
from cloudaudit.engine.rule import RuleSpec
from cloudaudit.engine.ruleset import compile_rules
from cloudaudit.errors import ExitCode, InputError
from cloudaudit.frameworks import load_frameworks
from cloudaudit.rule_docs import render_rule_reference

rules_dir_option = click.option(
    "--rules-dir", "rules_dirs", multiple=True, type=click.Path(), help="Also load your rules from here (repeatable)."
)


@click.group("rules")
def rules_group() -> None:
    """List, inspect, validate and test rules."""


@rules_group.command("list")
@rules_dir_option
@click.option("--format", "format_name", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_rules(rules_dirs: Sequence[str], format_name: str) -> None:
    """Every rule with its severity, clouds and categories."""
    specs = sorted(load_rule_specs(rules_dirs), key=lambda s: s.id)
    if format_name == "json":
        rows = [
            {
                "id": s.id,
                "control": s.control,
                "title": s.title,
                "severity": s.severity.value,
                "clouds": list(s.clouds),
                "resource": list(s.resource_types),
                "categories": list(s.categories),
                "source": s.source,
            }
            for s in specs
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    rows = [
        [s.id, s.severity.value, ",".join(s.clouds), ",".join(s.categories), s.title]
        for s in specs
    ]
    click.echo(tabulate(rows, headers=["id", "severity", "clouds", "categories", "title"], tablefmt="simple", maxcolwidths=[None, None, None, 24, 44]))
    click.echo(f"\n{len(specs)} rules")


@rules_group.command("show")
@click.argument("rule_id")
@rules_dir_option
def show_rule(rule_id: str, rules_dirs: Sequence[str]) -> None:
    """Everything about one rule: what it checks, its parameters, how to fix, references."""
    specs = {s.id: s for s in load_rule_specs(rules_dirs)}
    if rule_id not in specs:
        close = [i for i in specs if rule_id in i or i.split(".")[-1] in rule_id]
        hint = f" (did you mean {', '.join(close[:3])}?)" if close else " (see `cloudaudit rules list`)"
        raise InputError(f"rules show: no rule {rule_id!r}{hint}")
    click.echo(_describe(specs[rule_id]))


def _describe(spec: RuleSpec) -> str:
    lines = [
        f"{spec.id}  [{spec.severity.value}]  {spec.control}",
        spec.title,
        "",
    ]
    if spec.description:
        lines += [textwrap.fill(" ".join(spec.description.split()), 96), ""]
    lines.append(f"Checks:      {', '.join(spec.resource_types)} on {', '.join(spec.clouds)}")
    lines.append(f"Categories:  {', '.join(spec.categories)}")
    lines.append(f"Source:      {spec.source}")
    if spec.params:
        lines.append("Parameters:")
        for name, declaration in spec.params.items():
            default = json.dumps(declaration.default)
            if len(default) > 60:
                default = default[:57] + "..."
            lines.append(f"  {name} ({declaration.schema.get('type')}, default {default}) {declaration.description}".rstrip())
    lines += ["", "Remediation:", *("  " + line for line in spec.remediation.render().splitlines())]
    if spec.compliance:
        lines += ["", "Compliance:", *(f"  {c.framework} {c.control}" for c in spec.compliance)]
    if spec.references:
        lines += ["", "References:", *(f"  {r}" for r in spec.references)]
    return "\n".join(lines)


@rules_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
def validate_rules(paths: Sequence[str]) -> None:
    """Check rule files against the schema, the property vocabulary and their parameters.

    With no PATH, checks the bundled rules; with PATHs, checks those files or folders
    (together with the bundled rules, so that duplicate ids are caught).
    """
    files = bundled_rule_files() + user_rule_files(paths)
    specs = parse_rule_files(files)
    compile_rules(specs)
    checked = [s for s in specs if not paths or not s.bundled]
    click.echo(f"{len(checked)} rules valid")


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--verbose", "-v", is_flag=True, help="Also list the rules whose examples all pass.")
def test_rules(paths: Sequence[str], verbose: bool) -> None:
    """Run every rule on its pass and fail examples (the `examples:` of each rule file).

    With no PATH, tests the bundled rules; with PATHs, tests your own rule files or folders.
    """
    specs = parse_rule_files(bundled_rule_files() + user_rule_files(paths))
    if paths:
        specs = [s for s in specs if not s.bundled]
    compile_rules(specs)
    results = run_all_examples(specs)
    failed = [r for r in results if not r.ok]
    for result in results:
        if result.ok and verbose:
            click.echo(f"ok    {result.rule_id} ({result.examples} examples)")
        for failure in result.failures:
            click.echo(f"FAIL  {result.source}: {result.rule_id}: {failure}")
    examples = sum(r.examples for r in results)
    click.echo(f"{len(results) - len(failed)}/{len(results)} rules pass their {examples} examples")
    if failed:
        sys.exit(ExitCode.FINDINGS)


@rules_group.command("docs")
@click.option("--output", "-o", metavar="PATH", help="Write the Markdown here, atomically (default: stdout).")
def rules_docs(output: str | None) -> None:
    """A Markdown reference of every bundled rule: severity, clouds, frameworks, remediation."""
    text = render_rule_reference(load_rule_specs(), dict(load_frameworks()))
    if output:
        write_text_atomic(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
