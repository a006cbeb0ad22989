"""notify: deliver the new failing findings of a findings document to a webhook."""

from __future__ import annotations

import sys
from typing import Any

import click

from cloudaudit.baseline import load_baseline
from cloudaudit.cli.delivery import delivery_settings, run_delivery
from cloudaudit.cli.options import webhook_options
from cloudaudit.findings_file import load_findings_file


@click.command("notify")
@click.argument("findings_path", metavar="FINDINGS.json", type=click.Path(dir_okay=False))
@webhook_options(required=True)
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), metavar="OLD.json", help="Send only findings that were not failing in this earlier findings document.")
def notify_command(findings_path: str, **options: Any) -> None:
    """POST the failing findings of FINDINGS.json (`scan --format json`) that the webhook has
    not received yet, as JSON, with the fingerprint as Idempotency-Key.

    Timeouts, 429 (Retry-After is honoured) and 5xx answers are retried with exponential
    backoff; what could not be delivered is listed, and the exit code is then 3. With
    --state, a re-run sends only what was not delivered before.

    \b
    Examples:
      cloudaudit notify findings.json --webhook https://tickets.example.org/hook \\
          --header-env Authorization=TICKETS_TOKEN --state delivered.json
      cloudaudit notify findings.json --severity high --batch-size 50 --state delivered.json
    """
    document = load_findings_file(findings_path)
    known = load_baseline(options["baseline_path"]).failing if options["baseline_path"] else frozenset()
    settings = delivery_settings(options)
    assert settings is not None  # --webhook is required
    findings = [record.data for record in document.findings]
    sys.exit(run_delivery(settings, findings, document.scan, known))
