"""The webhook options read into a delivery, and the delivery run with its final account."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Collection, Mapping, Sequence

import click

from cloudaudit.atomic import write_text_atomic
from cloudaudit.errors import ExitCode, InputError
from cloudaudit.model import Severity, Status
from cloudaudit.notify.deliver import DeliveryReport, deliver, new_failing
from cloudaudit.notify.retry import RetryPolicy
from cloudaudit.notify.state import DeliveryState
from cloudaudit.notify.target import WebhookTarget, build_target


@dataclass(frozen=True)
class DeliverySettings:
    target: WebhookTarget
    policy: RetryPolicy
    state: DeliveryState
    batch_size: int
    min_severity: Severity
    report_path: str | None


def delivery_settings(options: Mapping[str, Any], prefix: str = "") -> DeliverySettings | None:
    """None without --webhook. Checks everything before anything is scanned or sent: the URL,
    the headers (their environment variables set), the state file (readable and writable)."""
    if not options.get("webhook_url"):
        return None
    target = build_target(
        options["webhook_url"],
        options["webhook_headers"],
        options["webhook_env_headers"],
        options["webhook_timeout"],
        os.environ,
        option_prefix=prefix,
    )
    state = DeliveryState.load(options["webhook_state"])
    with state.exclusive():
        state.save()
    if not options["webhook_state"]:
        click.echo(
            f"warning: no --{prefix}state file: a later run will send these findings again "
            "(the receiver can de-duplicate them by their Idempotency-Key header)",
            err=True,
        )
    return DeliverySettings(
        target=target,
        policy=RetryPolicy(options["webhook_attempts"], options["webhook_backoff"], options["webhook_max_delay"]),
        state=state,
        batch_size=options["webhook_batch_size"],
        min_severity=Severity(options["webhook_severity"]),
        report_path=options["webhook_report"],
    )


def run_delivery(
    settings: DeliverySettings,
    findings: Sequence[Mapping[str, Any]],
    scan: Mapping[str, Any],
    known: Collection[str] = frozenset(),
) -> int:
    """Deliver the new failing findings; print the account; 0 when all arrived, else 3."""
    chosen = new_failing(findings, settings.min_severity, known)
    passing = [f["fingerprint"] for f in findings if f["status"] == Status.PASS.value]
    with settings.state.exclusive():
        report = deliver(chosen, scan, settings.target, settings.policy, settings.state, settings.batch_size, passing=passing)
    for line in report.lines({f["fingerprint"]: f for f in chosen}):
        click.echo(line, err=True)
    if settings.report_path:
        _write_report(settings.report_path, report)
    return ExitCode.OK if report.complete else ExitCode.UNDELIVERED


def _write_report(path: str, report: DeliveryReport) -> None:
    try:
        write_text_atomic(path, json.dumps(report.to_document(), indent=2) + "\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the delivery report ({exc.strerror})") from None
