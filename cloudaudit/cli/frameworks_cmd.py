"""frameworks list | show"""

from __future__ import annotations

import textwrap

import click
from tabulate import tabulate

from cloudaudit.frameworks import get_framework, load_frameworks
from cloudaudit.standards import load_standards


@click.group("frameworks")
def frameworks_group() -> None:
    """The compliance frameworks rules map to (HIPAA, GDPR, HDS, CIS), and the standards."""


@frameworks_group.command("list")
def list_frameworks() -> None:
    """Every framework with its version and how many requirements rules answer."""
    rows = []
    for framework in load_frameworks().values():
        automated = sum(1 for r in framework.requirements if r.rules)
        manual = len(framework.requirements) - automated
        rows.append([framework.id, framework.name, framework.version, automated, manual])
    click.echo(tabulate(rows, headers=["id", "name", "version", "checked", "manual"], tablefmt="simple", maxcolwidths=[None, 36, 34, None, None]))
    click.echo("\nStandards (--standard): " + ", ".join(f"{s.id} ({s.title})" for s in load_standards().values()))


@frameworks_group.command("show")
@click.argument("name")
def show_framework(name: str) -> None:
    """A framework's requirements and the rules that evidence each (or why it is manual)."""
    framework = get_framework(name)
    lines = [f"{framework.name}", f"version {framework.version}"]
    if framework.url:
        lines.append(framework.url)
    if framework.description:
        lines += ["", textwrap.fill(" ".join(framework.description.split()), 96)]
    lines.append("")
    for requirement in framework.requirements:
        lines.append(f"{requirement.id}  {requirement.title}")
        if requirement.manual:
            lines += textwrap.wrap(f"manual: {requirement.manual}", 96, initial_indent="    ", subsequent_indent="    ")
        else:
            lines += textwrap.wrap(", ".join(requirement.rules), 96, initial_indent="    ", subsequent_indent="    ")
    click.echo("\n".join(lines))
