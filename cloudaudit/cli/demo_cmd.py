"""demo: scan a medical practice's AWS account, built offline in moto, through the real path."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Iterator

import click

from cloudaudit.cli.common import output_targets_from, rules_for_run, write_reports
from cloudaudit.cli.options import DEFAULT_WORKERS, report_destinations
from cloudaudit.errors import ScanCannotRun
from cloudaudit.progress import progress_for
from cloudaudit.scan import Target, build_report, collect, now

_AWS_ENVIRONMENT = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_S3_CONTROL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_KMS", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@click.command()
@report_destinations(default_format="table")
@click.option("--show-passed", is_flag=True, help="Also list the checks that pass.")
@click.option("--standard", metavar="NAME", help="Parameters and severities of a standard: hds, gdpr, hipaa.")
@click.option("--framework", "frameworks", multiple=True, metavar="NAME", help="Add a framework's compliance summary, e.g. hds (repeatable).")
def demo(show_passed: bool, standard: str | None, frameworks: tuple[str, ...], **destinations: Any) -> None:
    """Scan the AWS account of a small medical practice, built offline in moto.

    Nothing leaves this machine and no AWS account is needed: moto answers the same boto3
    calls AWS would, and cloudaudit reads them through its real adapter, engine and report.
    Exits 0 (it is a demonstration); use `scan` for CI gates.
    """
    try:
        from moto import mock_aws
    except ImportError:
        raise ScanCannotRun("the demo needs moto: pip install 'cloudaudit[demo]'") from None
    from cloudaudit.demo import moto_gaps
    from cloudaudit.demo.tenant import PRACTICE, build_practice

    moto_gaps.install_backup_inventory()
    run = rules_for_run({"standard": standard, "frameworks": frameworks}, None)
    targets = output_targets_from(destinations, sys.stdout.isatty())
    with _isolated_aws_environment(), mock_aws(), moto_gaps.mfa_delete_reported():
        import boto3

        session = boto3.session.Session()
        build_practice(lambda service, region: session.client(service, region_name=region))
        started = now()
        inventory = collect([Target("aws", {})], run.book.rules, DEFAULT_WORKERS, progress_for(sys.stderr), tenant=PRACTICE)
    report = build_report(inventory, run.book, started, run.standard.id if run.standard else None, run.frameworks)
    write_reports(report, targets, show_passed)


_DEMO_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@contextlib.contextmanager
def _isolated_aws_environment() -> Iterator[None]:
    """The demo must never see the user's real AWS profile, endpoint or tokens."""
    touched = set(_AWS_ENVIRONMENT) | set(_DEMO_ENVIRONMENT)
    saved = {name: os.environ[name] for name in touched if name in os.environ}
    for name in _AWS_ENVIRONMENT:
        os.environ.pop(name, None)
    os.environ.update(_DEMO_ENVIRONMENT)
    try:
        yield
    finally:
        for name in touched:
            os.environ.pop(name, None)
        os.environ.update(saved)
