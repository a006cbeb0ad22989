"""Option groups shared by the commands, as decorators."""

from __future__ import annotations

from typing import Any, Callable

import click

from cloudaudit.model import CATEGORIES, Severity
from cloudaudit.outputs import FORMATS
from cloudaudit.providers import provider_names, provider_options

SEVERITIES = [s.value for s in Severity]
DEFAULT_WORKERS = 16

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _apply(options: list[Decorator]) -> Decorator:
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def rule_options(function: Callable[..., Any]) -> Callable[..., Any]:
    return _apply(
        [
            click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file: tenants, accounts, parameters, rule selection."),
            click.option("--tenant", help="The tenant of --config to use, when it lists several."),
            click.option("--rules-dir", "rules_dirs", multiple=True, type=click.Path(), help="Add your own rules from this folder or file (repeatable)."),
            click.option("--rule", "include", multiple=True, metavar="ID", help="Run only this rule; globs like 'aws.*' work (repeatable)."),
            click.option("--exclude-rule", "exclude", multiple=True, metavar="ID", help="Skip this rule; globs work (repeatable)."),
            click.option("--severity", "min_severity", type=click.Choice(SEVERITIES), help="Only rules at or above this severity."),
            click.option("--category", "categories", multiple=True, type=click.Choice(CATEGORIES), help="Only rules in this category (repeatable)."),
            click.option("--standard", metavar="NAME", help="Parameters and severities of a standard: hds, gdpr, hipaa (see `cloudaudit frameworks list`)."),
            click.option("--framework", "frameworks", multiple=True, metavar="NAME", help="Run the rules a framework maps and add its compliance summary (repeatable)."),
        ]
    )(function)


def report_destinations(default_format: str | None = None) -> Decorator:
    """--format, -o [FORMAT:]PATH and one --output-FORMAT PATH per registered format."""
    format_help = "Report format" + ("." if default_format else " (default: table on a terminal, json otherwise).")
    options: list[Decorator] = [
        click.option("--format", "format_name", type=click.Choice(sorted(FORMATS)), default=default_format, show_default=default_format is not None, help=format_help),
        click.option("--output", "-o", "outputs", multiple=True, metavar="[FORMAT:]PATH", help="Write the report to PATH instead of stdout; FORMAT:PATH adds a file in another format (repeatable). Every file is written atomically."),
    ]
    for name in sorted(FORMATS):
        options.append(
            click.option(f"--output-{name}", output_option_key(name), metavar="PATH", help=f"Also write the {name} report to PATH.")
        )
    return _apply(options)


def output_option_key(format_name: str) -> str:
    """The parameter name of --output-FORMAT in a command's options."""
    return f"output_{format_name}"


def output_options(function: Callable[..., Any]) -> Callable[..., Any]:
    return _apply(
        [
            report_destinations(),
            click.option("--show-passed", is_flag=True, help="Table: list passing and not-applicable checks too."),
            click.option("--fail-on", type=click.Choice(SEVERITIES + ["none"]), default="low", show_default=True, help="Exit 1 when a check at or above this severity fails."),
            click.option("--fail-on-error", is_flag=True, help="Exit 1 also when a check could not be evaluated (ERROR) or an account could not be read."),
        ]
    )(function)


def provider_selection_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options: list[Decorator] = [
        click.option("--provider", "providers", multiple=True, type=click.Choice(provider_names()), help="Cloud to scan (repeatable); default: the accounts of --config."),
        click.option("--workers", type=click.IntRange(1, 128), default=DEFAULT_WORKERS, show_default=True, help="Resources read at the same time."),
    ]
    for name in provider_names():
        for spec in provider_options(name):
            options.append(
                click.option(
                    spec.flag,
                    f"{name}__{spec.key}",
                    multiple=spec.multiple,
                    envvar=spec.envvar,
                    show_envvar=bool(spec.envvar),
                    help=f"[{name}] {spec.help}",
                )
            )
    return _apply(options)(function)


def review_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """What happens to findings after the rules ran: suppressions and the baseline."""
    return _apply(
        [
            click.option("--suppressions", "suppressions_path", type=click.Path(dir_okay=False), metavar="FILE", help="Mute the accepted findings this YAML file lists, each with its reason (see examples/suppressions.yaml); MUTED findings never fail the run."),
            click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), metavar="OLD.json", help="Findings document of an earlier scan: only failing findings new since then fail the run (all are reported)."),
        ]
    )(function)


def webhook_options(prefix: str = "", required: bool = False) -> Decorator:
    """Delivery of new failing findings to a webhook. `prefix` is 'webhook-' on scan and
    evaluate, where a bare --timeout or --severity would mean something else."""

    def flag(name: str) -> str:
        return f"--{prefix}{name}"

    return _apply(
        [
            click.option("--webhook", "webhook_url", envvar="CLOUDAUDIT_WEBHOOK_URL", show_envvar=True, required=required, metavar="URL", help="POST new failing findings as JSON to this URL (it is never shown: chat webhook URLs are secrets)."),
            click.option(flag("header"), "webhook_headers", multiple=True, metavar="NAME=VALUE", help="Send this header; for values that are no secret (repeatable)."),
            click.option(flag("header-env"), "webhook_env_headers", multiple=True, metavar="NAME=ENVVAR", help="Send header NAME with the value of the environment variable ENVVAR, for tokens; never shown (repeatable)."),
            click.option(flag("batch-size"), "webhook_batch_size", type=click.IntRange(1, 1000), default=1, show_default=True, help="Findings per request; 1 sends one request per finding."),
            click.option(flag("state"), "webhook_state", type=click.Path(dir_okay=False), metavar="FILE", help="Record what the webhook accepted here, so a re-run sends only what it has not got yet (keep it between CI runs)."),
            click.option(flag("severity"), "webhook_severity", type=click.Choice(SEVERITIES), default="info", show_default=True, help="Send only failing findings at or above this severity."),
            click.option(flag("timeout"), "webhook_timeout", type=click.FloatRange(0.1, 300), default=10.0, show_default=True, help="Seconds to wait for a connection, and for an answer."),
            click.option(flag("attempts"), "webhook_attempts", type=click.IntRange(1, 20), default=5, show_default=True, help="Tries per request on no answer, 429 and 5xx."),
            click.option(flag("backoff"), "webhook_backoff", type=click.FloatRange(0, 60), default=1.0, show_default=True, help="Seconds before the first retry, doubled for each further one (with jitter)."),
            click.option(flag("max-retry-delay"), "webhook_max_delay", type=click.FloatRange(0, 3600), default=60.0, show_default=True, help="Longest wait before a retry; a longer Retry-After stops delivery (reported)."),
            click.option(flag("report"), "webhook_report", type=click.Path(dir_okay=False), metavar="FILE", help="Also write what was delivered and what was not as JSON."),
        ]
    )
