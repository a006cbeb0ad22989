"""scan, collect and evaluate."""

from __future__ import annotations

import sys
from typing import Any

import click

from cloudaudit.atomic import write_text_atomic
from cloudaudit.cli.common import (
    output_targets_from,
    rules_for_run,
    targets_from,
    tenant_from,
    write_reports,
)
from cloudaudit.cli.options import output_options, provider_selection_options, review_options, rule_options, webhook_options
from cloudaudit.cli.review import WEBHOOK_PREFIX, finish, review, review_plan
from cloudaudit.errors import InputError
from cloudaudit.inventory import Inventory
from cloudaudit.progress import progress_for
from cloudaudit.scan import build_report, collect, now


@click.command()
@provider_selection_options
@rule_options
@output_options
@review_options
@webhook_options(WEBHOOK_PREFIX)
def scan(**options: Any) -> None:
    """Collect from the cloud and check every rule: the usual command.

    \b
    Examples:
      cloudaudit scan --provider aws --profile practice --region eu-west-3
      cloudaudit scan --config tenants.yaml --tenant cabinet-martin --format json -o findings.json
      cloudaudit scan --provider aws --severity high --fail-on high      # a CI gate
      cloudaudit scan --provider aws --suppressions accepted.yaml --baseline last.json
    """
    tenant = tenant_from(options)
    run = rules_for_run(options, tenant)
    plan = review_plan(options, run.book, tenant)
    targets = targets_from(options, tenant)
    outputs = output_targets_from(options, sys.stdout.isatty())
    started = now()
    inventory = collect(
        targets, run.book.rules, options["workers"], progress_for(sys.stderr), tenant.name if tenant else None,
        also_read=plan.also_read,
    )
    report = review(build_report(inventory, run.book, started, run.standard.id if run.standard else None, run.frameworks), plan)
    write_reports(report, outputs, options["show_passed"])
    sys.exit(finish(report, plan, options))


@click.command("collect")
@provider_selection_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file: tenants and their accounts.")
@click.option("--tenant", help="The tenant of --config to use, when it lists several.")
@click.option("--output", "-o", "output", metavar="PATH", help="Write the inventory here (default: stdout).")
def collect_command(**options: Any) -> None:
    """Collect settings into an inventory file, without checking rules.

    `cloudaudit evaluate inventory.json` checks it later, offline: useful to audit once and
    try rules or parameters many times, or to hand the inventory to an auditor.
    """
    tenant = tenant_from(options)
    targets = targets_from(options, tenant)
    inventory = collect(targets, None, options["workers"], progress_for(sys.stderr), tenant.name if tenant else None)
    text = inventory.to_json()
    if options["output"]:
        try:
            write_text_atomic(options["output"], text)
        except OSError as exc:
            raise InputError(f"--output {options['output']}: cannot write ({exc.strerror})") from None
        click.echo(f"wrote {options['output']} ({len(inventory.resources)} resources)", err=True)
    else:
        click.echo(text, nl=False)
    for issue in inventory.issues:
        click.echo(f"warning: {issue.provider} {issue.account} {issue.scope}: {issue.message}", err=True)


@click.command("evaluate")
@click.argument("inventory_path", metavar="INVENTORY.json", type=click.Path(dir_okay=False))
@rule_options
@output_options
@review_options
@webhook_options(WEBHOOK_PREFIX)
def evaluate_command(inventory_path: str, **options: Any) -> None:
    """Check the rules against an inventory written by `cloudaudit collect`, offline."""
    tenant = tenant_from(options)
    run = rules_for_run(options, tenant)
    plan = review_plan(options, run.book, tenant)
    outputs = output_targets_from(options, sys.stdout.isatty())
    inventory = Inventory.load(inventory_path)
    report = review(build_report(inventory, run.book, None, run.standard.id if run.standard else None, run.frameworks), plan)
    write_reports(report, outputs, options["show_passed"])
    sys.exit(finish(report, plan, options))
