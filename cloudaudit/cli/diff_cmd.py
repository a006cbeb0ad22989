"""diff: what changed between two findings documents, by fingerprint."""

from __future__ import annotations

import json
import sys

import click
from tabulate import tabulate

from cloudaudit.atomic import write_text_atomic
from cloudaudit.baseline import FindingsDiff, diff_documents
from cloudaudit.cli.common import fail_on_from
from cloudaudit.cli.options import SEVERITIES
from cloudaudit.errors import ExitCode, InputError
from cloudaudit.findings_file import FindingRecord, load_findings_file


@click.command("diff")
@click.argument("old_path", metavar="OLD.json", type=click.Path(dir_okay=False))
@click.argument("new_path", metavar="NEW.json", type=click.Path(dir_okay=False))
@click.option("--format", "format_name", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Report format.")
@click.option("--output", "-o", "output", metavar="PATH", help="Write the diff to PATH (atomically) instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITIES + ["none"]), default="none", show_default=True, help="Exit 1 when a new failing finding is at or above this severity.")
def diff_command(old_path: str, new_path: str, format_name: str, output: str | None, fail_on: str) -> None:
    """New, resolved and unchanged failing findings between two findings documents
    (`scan --format json`), matched by fingerprint.

    \b
    Examples:
      cloudaudit diff last-week.json today.json
      cloudaudit diff last-week.json today.json --format json -o changes.json --fail-on high
    """
    diff = diff_documents(load_findings_file(old_path), load_findings_file(new_path))
    text = json.dumps(diff.to_document(), indent=2) + "\n" if format_name == "json" else render_table(diff)
    if output:
        try:
            write_text_atomic(output, text)
        except OSError as exc:
            raise InputError(f"--output {output}: cannot write ({exc.strerror})") from None
        click.echo(f"wrote {output} ({_counts(diff)})", err=True)
    else:
        click.echo(text, nl=False)
    threshold = fail_on_from(fail_on)
    failing = threshold is not None and any(f.severity.rank >= threshold.rank for f in diff.added)
    sys.exit(ExitCode.FINDINGS if failing else ExitCode.OK)


def render_table(diff: FindingsDiff) -> str:
    lines = [
        f"cloudaudit diff: {_counts(diff)} failing findings",
        f"  old: {_scan_line(diff.old.path, diff.old.scan)}",
        f"  new: {_scan_line(diff.new.path, diff.new.scan)}",
        "",
    ]
    resolved = sorted(diff.resolved, key=lambda r: _reading_order(r.before))
    sections = (
        ("New", [_row(f) for f in sorted(diff.added, key=_reading_order)], ["severity", "rule", "resource", "message"]),
        ("Resolved", [_row(r.before)[:3] + [r.now.value if r.now else "not in the new scan"] for r in resolved], ["severity", "rule", "resource", "now"]),
        ("Unchanged", [_row(f) for f in sorted(diff.unchanged, key=_reading_order)], ["severity", "rule", "resource", "message"]),
    )
    for title, rows, headers in sections:
        lines.append(f"{title} ({len(rows)})")
        if rows:
            table = tabulate(rows, headers=headers, tablefmt="simple", maxcolwidths=[None, 34, 50, 50])
            lines.extend("  " + line for line in table.splitlines())
        lines.append("")
    return "\n".join(lines)


def _reading_order(finding: FindingRecord) -> tuple[int, str, str]:
    """The most serious first, as in the scan's own table."""
    return (-finding.severity.rank, finding.resource_id, finding.rule_id)


def _row(finding: FindingRecord) -> list[str]:
    return [finding.severity.value, finding.rule_id, finding.resource_id, finding.message]


def _counts(diff: FindingsDiff) -> str:
    return f"{len(diff.added)} new, {len(diff.resolved)} resolved, {len(diff.unchanged)} unchanged"


def _scan_line(path: str, scan: dict) -> str:
    tenant = f", tenant {scan['tenant']}" if scan.get("tenant") else ""
    return f"{path} (scan {scan.get('id')}, {scan.get('finished_at')}{tenant})"
