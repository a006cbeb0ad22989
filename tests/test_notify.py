"""Webhook delivery against a flaky local receiver: every new finding arrives exactly once,
what cannot be delivered is reported, and no token or webhook URL is ever shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudaudit.notify.deliver import deliver
from cloudaudit.notify.retry import RetryPolicy
from cloudaudit.notify.state import DeliveryState
from cloudaudit.notify.target import build_target
from tests.support.network import free_port
from tests.support.webhook import LOST, Answer, FlakyWebhook

TOKEN = "Bearer tok-5ecret-value"
FAST = ("--backoff", "0.01", "--timeout", "2")
"""Short waits, so that the retries of the tests take milliseconds (Retry-After and the one
lost answer excepted); a timeout long enough for a loaded machine."""


@pytest.fixture
def inventory(practice_inventory: str) -> str:
    return practice_inventory


@pytest.fixture
def findings(cli, inventory, tmp_path) -> str:
    path = str(tmp_path / "findings.json")
    cli("evaluate", inventory, "-o", path)
    return path


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_TOKEN", TOKEN)


def failing(path: str) -> list[str]:
    return [f["fingerprint"] for f in json.loads(Path(path).read_text())["findings"] if f["status"] == "FAIL"]


def notify(cli, findings: str, hook: FlakyWebhook, *args: str):
    return cli("notify", findings, "--webhook", hook.url, "--header-env", "Authorization=WEBHOOK_TOKEN", *FAST, *args)


def assert_no_secret_in(*texts: str) -> None:
    for text in texts:
        assert "tok-5ecret-value" not in text
        assert "s3cr3t-path" not in text


def test_every_new_finding_arrives_exactly_once_through_a_flaky_webhook(cli, findings, tmp_path):
    expected = failing(findings)
    first, second, third, fourth = expected[:4]
    script = {
        first: [Answer(429, retry_after="1")],
        second: [Answer(503), Answer(503)],
        third: [LOST],
        fourth: [Answer(500), Answer(502), Answer(504)],
    }
    state, report = tmp_path / "delivered.json", tmp_path / "report.json"
    with FlakyWebhook(script) as hook:
        result = notify(cli, findings, hook, "--state", str(state), "--report", str(report))
        assert result.code == 0, result.err
        assert sorted(hook.delivered_fingerprints()) == sorted(expected)
        assert len(hook.created) == len(set(hook.created)) == len(expected), "one ticket per finding"
        assert [len(hook.requests_for(fp)) for fp in (first, second, third, fourth)] == [2, 3, 2, 4]
        for request in hook.received:
            assert request.key == request.body["finding"]["fingerprint"] == request.body["idempotency_key"]
            assert request.headers["Authorization"] == TOKEN
            assert request.body["kind"] == "cloudaudit.finding"
            assert request.body["finding"]["status"] == "FAIL"
        assert result.err.splitlines()[-1] == (
            f"webhook http://127.0.0.1:{hook.port}: delivered {len(expected)} findings in {len(expected) + 7} requests; not delivered: 0"
        )

        again = notify(cli, findings, hook, "--state", str(state))
        assert again.code == 0
        assert f"delivered 0 findings in 0 requests; {len(expected)} already delivered earlier; not delivered: 0" in again.err
        assert len(hook.created) == len(expected)

    delivered = json.loads(report.read_text())
    assert sorted(delivered["delivered"]) == sorted(expected) and delivered["not_delivered"] == []
    assert_no_secret_in(result.out, result.err, again.err, state.read_text(), report.read_text())


def test_what_could_not_be_delivered_is_listed_and_sent_on_the_next_run(cli, findings, tmp_path):
    expected = failing(findings)
    rejected = expected[2]
    state = tmp_path / "delivered.json"
    script = {rejected: [Answer(422)], expected[5]: [Answer(503)] * 3}
    with FlakyWebhook(script) as hook:
        result = notify(cli, findings, hook, "--state", str(state), "--attempts", "3")
        assert result.code == 3
        delivered_first = hook.delivered_fingerprints()
        assert delivered_first == [fp for fp in expected[:5] if fp != rejected]
        lines = result.err.splitlines()
        (summary,) = [line for line in lines if line.startswith("webhook ")]
        assert summary.endswith(f": delivered 4 findings in {5 + 3} requests; not delivered: {len(expected) - 4}")
        assert any(line.startswith(f"  not delivered: {rejected} ") and line.endswith(": HTTP 422 Unprocessable Entity: {\"error\": \"try later\"}") for line in lines)
        assert any(expected[5] in line and line.endswith("HTTP 503 Service Unavailable: {\"error\": \"try later\"}, after 3 attempts") for line in lines)
        stopped = [line for line in lines if "not sent: the webhook kept failing" in line]
        assert len(stopped) == len(expected) - 6, "everything after the receiver kept failing is listed, not dropped"

        retry = notify(cli, findings, hook, "--state", str(state))
        assert retry.code == 0, retry.err
        assert sorted(hook.delivered_fingerprints()) == sorted(expected)
        assert len(hook.created) == len(expected)
        assert f"; 4 already delivered earlier; not delivered: 0" in retry.err


@pytest.mark.parametrize("status, reason", [(401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"), (301, "Moved Permanently")])
def test_a_refusal_of_the_url_or_the_credentials_stops_at_once_and_nothing_is_recorded(cli, findings, tmp_path, status, reason):
    state = tmp_path / "delivered.json"
    with FlakyWebhook(default=[Answer(status)]) as hook:
        result = notify(cli, findings, hook, "--state", str(state))
        assert result.code == 3
        assert len(hook.received) == 1, "not retried, not repeated for every finding, a redirect not followed"
    assert json.loads(state.read_text())["targets"] == {}
    assert f"not sent: the webhook refused a request (HTTP {status} {reason}" in result.err
    assert len([line for line in result.err.splitlines() if "not delivered:" in line]) - 1 == len(failing(findings))
    assert_no_secret_in(result.err)


def test_a_retry_after_longer_than_the_limit_is_reported_not_cut_short(cli, findings, tmp_path):
    expected = failing(findings)
    with FlakyWebhook({expected[0]: [Answer(429, retry_after="120")]}) as hook:
        result = notify(cli, findings, hook, "--max-retry-delay", "5")
        assert result.code == 3
        assert len(hook.received) == 1
    assert "it asked to wait 120 s, longer than the retry limit of 5 s" in result.err
    assert "no --state file: a later run will send these findings again" in result.err


def test_retry_waits_honour_retry_after_and_back_off_exponentially(findings, tmp_path):
    """The waits themselves, recorded instead of slept (the requests are real)."""
    document = json.loads(Path(findings).read_text())
    items = [f for f in document["findings"] if f["status"] == "FAIL"][:2]
    script = {items[0]["fingerprint"]: [Answer(429, retry_after="7"), Answer(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")],
              items[1]["fingerprint"]: [Answer(503), Answer(503), Answer(503)]}
    waits: list[float] = []
    with FlakyWebhook(script) as hook:
        target = build_target(hook.url, (), (), 2.0, {})
        report = deliver(items, document["scan"], target, RetryPolicy(attempts=5, backoff=1.0, max_delay=60), DeliveryState(), sleep=waits.append)
    assert report.complete and len(hook.created) == 2
    assert waits[:2] == [7.0, 0.0], "seconds as given; a date in the past means now"
    assert 0.5 <= waits[2] <= 1.0 and 1.0 <= waits[3] <= 2.0 and 2.0 <= waits[4] <= 4.0


def test_batches_carry_a_key_of_their_own_and_every_finding_once(cli, findings, tmp_path):
    expected = failing(findings)
    state = tmp_path / "delivered.json"
    with FlakyWebhook(default=[Answer(503)]) as hook:
        result = notify(cli, findings, hook, "--batch-size", "10", "--state", str(state))
        assert result.code == 0, result.err
        batches = [hook.tickets[key] for key in hook.created]
        assert len(batches) == -(-len(expected) // 10)
        assert all(b["kind"] == "cloudaudit.findings" and b["idempotency_key"].startswith("batch-") for b in batches)
        assert sorted(hook.delivered_fingerprints()) == sorted(expected)
        assert len(hook.received) == 2 * len(batches), "each batch retried once, with its own key"
        assert notify(cli, findings, hook, "--batch-size", "10", "--state", str(state)).code == 0
        assert len(hook.received) == 2 * len(batches)


def test_only_findings_new_since_the_baseline_and_above_the_severity_are_sent(cli, inventory, findings, tmp_path):
    document = json.loads(Path(inventory).read_text())
    for resource in document["resources"]:
        if resource["name"] == "cabinet-du-parc-archives":
            resource["properties"]["transport"]["https_only"] = False
            resource["properties"]["versioning"]["enabled"] = False
    this_week = tmp_path / "this-week.json"
    this_week.write_text(json.dumps(document))
    with FlakyWebhook() as hook:
        result = cli(
            "evaluate", str(this_week), "--baseline", findings, "--format", "json",
            "--webhook", hook.url, "--webhook-severity", "high", "--webhook-backoff", "0.01",
        )
        assert result.code == 1, "new failures fail the gate, and they were delivered"
        (body,) = [hook.tickets[key] for key in hook.created]
        assert (body["finding"]["rule"]["id"], body["finding"]["severity"]) == ("storage.https-only", "high")
        assert body["scan"]["tenant"] == "cabinet-du-parc"
        assert set(result.json()["baseline"]["new"]) == {body["finding"]["fingerprint"], *[
            f["fingerprint"] for f in result.json()["findings"] if f["rule"]["id"] == "storage.versioning" and f["status"] == "FAIL"
            and f["resource"]["name"] == "cabinet-du-parc-archives"
        ]}


def test_scan_exits_3_when_delivery_failed_even_if_the_gate_passed(cli, inventory, tmp_path):
    with FlakyWebhook(default=[Answer(500)] * 2) as hook:
        result = cli("evaluate", inventory, "--fail-on", "none", "--format", "json", "--webhook", hook.url,
                     "--webhook-attempts", "2", "--webhook-backoff", "0.01")
    assert result.code == 3
    assert result.json()["summary"]["findings"] > 0, "the report is written before delivery"
    assert "not sent: the webhook kept failing" in result.err


def test_muted_findings_are_not_sent(cli, inventory, tmp_path):
    suppressions = tmp_path / "s.yaml"
    suppressions.write_text("version: 1\nsuppressions:\n  - rule: 'storage.*'\n    reason: all accepted for this test\n")
    with FlakyWebhook() as hook:
        cli("evaluate", inventory, "--suppressions", str(suppressions), "--format", "json", "--webhook", hook.url)
        rules = {hook.tickets[key]["finding"]["rule"]["id"] for key in hook.created}
    assert rules and all(not rule.startswith("storage.") for rule in rules)


@pytest.mark.parametrize(
    "args, line",
    [
        (("--header-env", "Authorization=NOT_SET_ANYWHERE"), "--header-env Authorization: the environment variable NOT_SET_ANYWHERE is not set or empty"),
        (("--header-env", "Authorization"), "--header-env Authorization: expected NAME=ENVVAR"),
        (("--header", "Idempotency-Key=x"), "--header Idempotency-Key: cloudaudit sets this header itself"),
        (("--header", "Bad Name=x"), "--header Bad Name: not a valid header name"),
    ],
)
def test_bad_header_options_exit_2_and_never_show_a_value(cli, findings, args, line):
    with FlakyWebhook() as hook:
        result = cli("notify", findings, "--webhook", hook.url, *args)
        assert hook.received == []
    assert (result.code, result.err.splitlines()) == (2, [line])


def test_a_token_is_never_sent_over_plain_http_to_another_host(cli, findings):
    result = cli("notify", findings, "--webhook", "http://tickets.example.org/hook", "--header-env", "Authorization=WEBHOOK_TOKEN")
    assert result.code == 2
    assert "plain http would send the --header-env values unencrypted; use https" in result.err


def test_scan_options_are_named_for_the_webhook(cli, findings):
    result = cli("scan", "--provider", "aws", "--webhook", "https://x.example.org/h", "--webhook-header-env", "X-Token=NOT_SET_ANYWHERE")
    assert (result.code, result.err.strip()) == (2, "--webhook-header-env X-Token: the environment variable NOT_SET_ANYWHERE is not set or empty")


def test_an_unreachable_webhook_is_reported(cli, findings, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/hooks/T0001/s3cr3t-path"  # nothing listens there
    result = cli("notify", findings, "--webhook", url, "--attempts", "2", *FAST)
    assert result.code == 3
    assert "cannot connect" in result.err and "after 2 attempts" in result.err
    assert_no_secret_in(result.err)


def test_a_damaged_state_file_is_one_line(cli, findings, tmp_path):
    state = tmp_path / "delivered.json"
    state.write_text('{"version": 1, "targets": []}')
    result = cli("notify", findings, "--webhook", "https://x.example.org/h", "--state", str(state))
    assert result.code == 2
    assert result.err.splitlines() == [f"{state}: $.targets: expected a mapping (a delivery state written by `cloudaudit notify --state`)"]


def test_a_run_that_shares_the_state_file_waits_and_skips_what_the_other_delivered(findings, tmp_path):
    """Two CI jobs of one tenant with one state file: the second waits for the first's lock,
    then reads what it recorded, so no finding is sent twice and no record is overwritten."""
    import fcntl
    import os
    import subprocess
    import sys
    import time

    expected = failing(findings)
    state = tmp_path / "delivered.json"
    with FlakyWebhook({}) as hook, open(f"{state}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # "the other run" is delivering
        waiting = subprocess.Popen(
            [sys.executable, "-m", "cloudaudit", "notify", findings, "--webhook", hook.url, "--state", str(state), *FAST],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        )
        time.sleep(3)
        assert waiting.poll() is None and hook.received == [], "it must wait, not send"
        other = DeliveryState(str(state))
        target = build_target(hook.url, (), (), 2.0, {})
        other.record(target.state_key, target.endpoint, expected, "2026-12-01T10:00:00Z")
        fcntl.flock(lock, fcntl.LOCK_UN)
        out, err = waiting.communicate(timeout=60)

    assert waiting.returncode == 0, err
    assert hook.received == [], "what the other run delivered is not sent again"
    assert f"delivered 0 findings in 0 requests; {len(expected)} already delivered earlier" in err
    assert sorted(DeliveryState.load(str(state)).delivered(target.state_key)) == sorted(expected)


def _with_status(findings: str, fingerprint: str, status: str, path: Path) -> str:
    document = json.loads(Path(findings).read_text())
    for finding in document["findings"]:
        if finding["fingerprint"] == fingerprint:
            finding["status"] = status
    path.write_text(json.dumps(document))
    return str(path)


def test_a_fixed_finding_that_fails_again_is_sent_again_as_a_new_occurrence(cli, findings, tmp_path):
    expected = failing(findings)
    regressed, still_failing = expected[0], expected[1:]
    state = tmp_path / "delivered.json"
    fixed_run = _with_status(findings, regressed, "PASS", tmp_path / "fixed.json")
    unknown_run = _with_status(findings, still_failing[0], "ERROR", tmp_path / "error.json")
    with FlakyWebhook({}) as hook:
        assert notify(cli, findings, hook, "--state", str(state)).code == 0

        unknown = notify(cli, unknown_run, hook, "--state", str(state))
        assert "fixed since delivered" not in unknown.err, "ERROR is not evidence of a fix"

        fixed = notify(cli, fixed_run, hook, "--state", str(state))
        assert fixed.code == 0, fixed.err
        assert f"; {len(still_failing)} already delivered earlier; 1 fixed since delivered (sent again if it fails again);" in fixed.err
        assert len(hook.created) == len(expected), "a fix sends nothing"

        again = notify(cli, findings, hook, "--state", str(state))
        assert again.code == 0, again.err
        assert f"delivered 1 finding in 1 request; {len(still_failing)} already delivered earlier" in again.err
        assert hook.created[-1] == f"{regressed}.2" and len(hook.created) == len(expected) + 1
        body = hook.tickets[f"{regressed}.2"]
        assert body["occurrence"] == 2 and body["idempotency_key"] == f"{regressed}.2"
        assert body["finding"]["fingerprint"] == regressed

        assert "delivered 0 findings" in notify(cli, findings, hook, "--state", str(state)).err
    recorded = json.loads(state.read_text())["targets"]
    (entry,) = recorded.values()
    assert entry["fixed"] == {regressed: 1} and regressed in entry["delivered"]


def test_batches_name_each_findings_occurrence_and_change_key_with_it(tmp_path):
    from cloudaudit.notify.payload import plan_requests

    findings = [{"fingerprint": "aaa"}, {"fingerprint": "bbb"}]
    first = plan_requests(findings, {}, batch_size=2)[0]
    later = plan_requests(findings, {}, batch_size=2, occurrence=lambda fp: 2 if fp == "bbb" else 1)[0]
    assert json.loads(later.body)["occurrences"] == {"aaa": 1, "bbb": 2}
    assert first.key != later.key and first.key.startswith("batch-")


def test_a_state_file_with_bad_fix_counts_is_one_line(cli, findings, tmp_path):
    state = tmp_path / "delivered.json"
    state.write_text('{"version": 1, "targets": {"k": {"endpoint": "https://x", "delivered": {}, "fixed": {"fp": 0}}}}')
    result = cli("notify", findings, "--webhook", "https://x.example.org/h", "--state", str(state))
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{state}: $.targets.k.fixed: expected a mapping of fingerprints to counts (1 or more) (a delivery state written by `cloudaudit notify --state`)"
    ]
