"""The benchmark's Azure and GCP providers, on tiny tenants: every finding the real scan reports
must be the status the tenant's settings imply (this keeps the harness from rotting; no timing
is asserted)."""

from __future__ import annotations

import json

import pytest

from bench import run


@pytest.mark.parametrize("provider", ["azure", "gcp"])
def test_every_finding_matches_the_tenant_directly_and_through_the_latency_proxy(provider, tmp_path, capsys):
    figures = tmp_path / "figures.json"
    code = run.main(["--provider", provider, "-n", "5", "--latency-ms", "0,25", "--rules", "full,encryption",
                     "--no-startup", "--json", str(figures)])
    rows = json.loads(figures.read_text())["rows"]
    assert code == 0, capsys.readouterr().err[-3000:]
    assert [(r["latency_ms"], r["selection"]) for r in rows] == [(0, "full"), (0, "encryption"), (25, "full"), (25, "encryption")]
    assert all(r["matched"] for r in rows)
    full, encryption = rows[0], rows[1]
    assert full["findings"] > 5 * 15 and encryption["findings"] == 5
    assert rows[2]["wire_requests"] == rows[2]["api_calls"]  # the proxy saw every call, no retry


def test_the_tenants_mix_passes_and_failures_of_every_rule():
    from collections import defaultdict

    from bench.azure.tenant import expected_statuses as azure_expected, plan_tenant as azure_plan
    from bench.gcp.project import BUCKET_VERDICTS_FROM_PROJECT, PROJECT_VERDICTS
    from bench.gcp.tenant import expected_statuses as gcp_expected, plan_tenant as gcp_plan

    for expected in (azure_expected(azure_plan(200, 7)), gcp_expected(gcp_plan(200, 7))):
        seen = defaultdict(set)
        for (_, rule), status in expected.items():
            seen[rule].add(status)
        constant = {rule for rule, statuses in seen.items() if len(statuses) == 1}
        # Only what the cloud itself fixes, and what one subscription or project sets for all, is
        # the same everywhere.
        fixed = {"storage.encryption-at-rest", "azure.allowed-locations-policy", "storage.access-change-alert", "storage.double-encryption",
                 "storage.https-only", "storage.min-tls-1-2"}
        assert constant <= fixed | set(PROJECT_VERDICTS) | set(BUCKET_VERDICTS_FROM_PROJECT), constant
