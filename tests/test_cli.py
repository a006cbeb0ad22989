"""The command line as a person meets it: help, version, usage errors, credentials and
network failures, the demo, the progress line."""

from __future__ import annotations

import io
import json


from cloudaudit.progress import Progress, TerminalProgress, progress_for
from tests.conftest import run_cli_process
from tests.support.network import free_port


def test_version_and_help(cli):
    from cloudaudit import __version__

    assert cli("--version").out.strip() == f"cloudaudit, version {__version__}"
    top = cli("--help")
    assert top.code == 0
    for word in ("scan", "collect", "evaluate", "demo", "rules", "Exit codes"):
        assert word in top.out
    scan = cli("scan", "--help").out
    for option in ("--provider", "--profile", "--region", "--config", "--tenant", "--rule", "--exclude-rule",
                   "--severity", "--category", "--format", "--output", "--fail-on", "--fail-on-error", "--workers", "--rules-dir"):
        assert option in scan, option


def test_usage_error_exits_2(cli):
    result = cli("scan", "--severity", "urgent")
    assert result.code == 2
    assert "Invalid value for '--severity'" in result.err


def test_no_cloud_named(cli):
    result = cli("scan")
    assert result.code == 2
    assert result.err.strip() == "no cloud to scan: name one with --provider (aws, azure, gcp) or list accounts in --config"


def test_unknown_rule_selection(cli):
    result = cli("scan", "--provider", "aws", "--rule", "storage.encryption")
    assert result.code == 2
    assert result.err.strip() == "--rule storage.encryption: no rule matches (see `cloudaudit rules list`)"


def test_no_credentials_exit_3_with_one_line(monkeypatch):
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    result = run_cli_process("scan", "--provider", "aws", env=env)
    assert result.code == 3
    assert result.err.splitlines() == [
        "aws: no credentials found: set AWS_PROFILE or use --profile, or provide environment variables, "
        "~/.aws/credentials, SSO or an instance role"
    ]
    assert result.out == ""


def test_unreachable_endpoint_exit_3():
    result = run_cli_process("scan", "--provider", "aws", env={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "1"})
    assert result.code == 3
    assert result.err.strip().startswith("aws: cannot reach the AWS endpoint (http://127.0.0.1:")


def test_unknown_profile_exit_2(cli):
    result = cli("scan", "--provider", "aws", "--profile", "nope")
    assert result.code == 2
    assert result.err.strip() == "--profile: The config profile (nope) could not be found (see ~/.aws/config)"


def test_expired_token_exit_3(aws_endpoint, monkeypatch, cli):
    from tests.support.aws import deny

    deny(monkeypatch, ["sts.GetCallerIdentity"], code="ExpiredTokenException", status=400)
    result = cli("scan", "--provider", "aws")
    assert result.code == 3
    assert result.err.strip() == (
        "aws: the credentials have expired (ExpiredTokenException): refresh them (aws sso login, or new STS credentials)"
    )


def test_one_account_failing_does_not_stop_the_others(aws_endpoint, cli, tmp_path, monkeypatch):
    import boto3

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="good-account-bucket")
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[profile expired]\ncredential_process = /bin/false\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    config = tmp_path / "tenants.yaml"
    config.write_text(
        "version: 1\ntenants:\n  - name: practice\n    accounts:\n"
        "      - {provider: aws}\n      - {provider: aws, profile: expired}\n"
    )
    args = ("scan", "--config", str(config), "--rule", "storage.versioning", "--format", "json", "--fail-on", "none")
    result = cli(*args)
    assert result.code == 0, result.err
    document = result.json()
    assert [f["resource"]["name"] for f in document["findings"]] == ["good-account-bucket"]
    (error,) = document["errors"]
    assert error["scope"] == "account (expired)"
    assert error["message"].startswith("aws: could not obtain credentials:")
    assert cli(*args, "--fail-on-error").code == 1


def test_fail_on_error_turns_error_results_into_a_failure(aws_endpoint, monkeypatch, cli):
    import boto3

    from tests.support.aws import deny

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="denied-bucket")
    deny(monkeypatch, ["s3.GetBucketEncryption"])
    args = ("scan", "--provider", "aws", "--rule", "storage.encryption-at-rest", "--format", "json")
    lenient = cli(*args)
    assert lenient.code == 0
    (finding,) = lenient.json()["findings"]
    assert finding["status"] == "ERROR"
    assert finding["message"] == "encryption.at_rest could not be read: s3:GetBucketEncryption: AccessDenied: Access Denied"
    assert cli(*args, "--fail-on-error").code == 1


def test_demo_shows_the_practice_problems():
    result = run_cli_process("demo")
    assert result.code == 0, result.err
    out = result.out
    assert "tenant cabinet-du-parc" in out
    for bucket in ("imagerie (eu-west-3)  16 failed", "export-teleconsultation (us-east-1)  18 failed", "archives (eu-west-3)  24 passed"):
        assert f"storage.bucket cabinet-du-parc-{bucket}" in out
    assert "console users without MFA: secretariat" in out
    assert out.index("Summary") < out.index("Fix first")
    assert "1. [critical] S3 Block Public Access is on for the whole account: 123456789012" in out


def test_demo_json_is_the_findings_document_with_the_problems():
    result = run_cli_process("demo", "--format", "json")
    document = json.loads(result.out)
    assert document["scan"]["tenant"] == "cabinet-du-parc"
    assert document["summary"]["resources"] == 8
    messages = {(f["resource"]["name"], f["rule"]["id"]): f["message"] for f in document["findings"] if f["status"] == "FAIL"}
    assert messages[("cabinet-du-parc-imagerie", "storage.no-public-grants")] == (
        "public grants: policy public true, ACL grantees AllUsers; readable by anyone now: true"
    )
    assert messages[("cabinet-du-parc-export-teleconsultation", "storage.region-allowed")] == "stored in us-east-1, outside the allowed regions"
    assert messages[("cabinet-du-parc-dossiers-patients", "storage.customer-managed-key")] == "default encryption uses a provider-managed key (AES256)"
    assert messages[("cabinet-du-parc-sauvegardes", "storage.object-lock")] == (
        "not write-once: retention.object_lock is false; retention.days is not set (expected true; >= 7)"
    )
    assert messages[("123456789012", "aws.root-mfa")] == "root user exposed: identity.root_mfa is false (expected true)"


def test_demo_ignores_the_users_real_aws_settings():
    result = run_cli_process("demo", "--format", "json", env={"AWS_PROFILE": "production", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.code == 0, result.err


class TestProgress:
    def test_nothing_when_not_a_terminal(self):
        assert type(progress_for(io.StringIO())) is Progress

    def test_a_rewritten_line_on_a_terminal(self):
        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        stream = Terminal()
        progress = progress_for(stream)
        assert isinstance(progress, TerminalProgress)
        progress.start("aws 123: buckets", 2)
        progress.advance()
        progress.advance()
        progress.finish()
        text = stream.getvalue()
        assert "\r\x1b[2Kaws 123: buckets 0/2" in text and "\r\x1b[2Kaws 123: buckets 2/2" in text
        assert text.endswith("\r\x1b[2K")
