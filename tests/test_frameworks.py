"""Frameworks and standards: their integrity, the compliance summary, and the generated docs."""

from __future__ import annotations

import json

import pytest

from cloudaudit.engine.loader import load_rule_specs
from cloudaudit.engine.ruleset import SeverityOverrides
from cloudaudit.errors import InputError
from cloudaudit.frameworks import Framework, Requirement, compliance_summary, integrity_problems, load_frameworks
from cloudaudit.model import Status
from cloudaudit.rule_docs import render_rule_reference
from cloudaudit.scan import prepare_rules
from cloudaudit.standards import get_standard, load_standards
from tests.conftest import REPO, run_cli_process
from tests.support.rules import bucket

EXPECTED_FRAMEWORKS = {"hipaa", "gdpr", "hds", "cis-aws"}


def test_the_frameworks_and_their_versions_are_there():
    frameworks = load_frameworks()
    assert EXPECTED_FRAMEWORKS <= set(frameworks)
    for framework in frameworks.values():
        assert framework.version and framework.url.startswith("https://")


def test_mappings_hold_together_both_ways():
    assert integrity_problems(load_frameworks(), load_rule_specs()) == []


def test_integrity_check_catches_what_peers_get_wrong():
    specs = load_rule_specs()
    broken = {
        "hds": Framework("hds", "HDS", "2", (
            Requirement("A.8.24", "crypto", ("storage.encryption-at-rest", "storage.no-such-rule")),
            Requirement("A.8.99", "made up", ("storage.versioning",)),
        ), source="rules/frameworks/hds.yaml"),
    }
    problems = integrity_problems(broken, specs)
    assert "rules/frameworks/hds.yaml: requirement A.8.24 names rule 'storage.no-such-rule', which does not exist" in problems
    assert ("rules/frameworks/hds.yaml: requirement A.8.99 names rule 'storage.versioning', but "
            "rules/backup/storage.versioning.yaml does not cite hds A.8.99") in problems
    assert "rules/backup/storage.versioning.yaml: cites framework 'hipaa', which does not exist" in problems
    assert "rules/backup/storage.versioning.yaml: cites hds A.8.13, which rules/frameworks/hds.yaml does not list" in problems


def test_no_requirement_is_empty_and_manual_ones_say_why():
    for framework in load_frameworks().values():
        for requirement in framework.requirements:
            assert bool(requirement.rules) != bool(requirement.manual), (framework.id, requirement.id)
            if requirement.manual:
                assert len(requirement.manual) > 30


def test_summary_per_requirement():
    hds = load_frameworks()["hds"]
    rules = {r.id: r for r in prepare_rules().rules}
    paris = bucket({"location": {"region": "eu-west-3"}}, id="arn:aws:s3:::paris", name="paris")
    london = bucket({"location": {"region": "eu-west-2"}}, id="arn:aws:s3:::london", name="london")
    unreadable = bucket(errors={"location.region": "s3:GetBucketLocation: AccessDenied"}, id="arn:aws:s3:::x", name="x")
    findings = [rules["storage.region-allowed"].evaluate(r) for r in (paris, london, unreadable)]
    summary = compliance_summary(hds, findings)
    rows = {row["id"]: row for row in summary["requirements"]}
    assert rows["Ex.28"]["status"] == "FAIL"
    assert rows["Ex.28"]["failing_resources"] == 1 and rows["Ex.28"]["error_resources"] == 1
    assert rows["Ex.28"]["failing"] == [{"rule": "storage.region-allowed", "resource": "arn:aws:s3:::london", "message": "stored in eu-west-2, outside the allowed regions"}]
    assert rows["Ex.30"]["status"] == "MANUAL" and rows["Ex.30"]["manual"]
    assert rows["A.8.24"]["status"] == "NOT_APPLICABLE", "no encryption finding at all: nothing was checked"
    only_error = compliance_summary(hds, [findings[2]])
    assert {r["id"]: r["status"] for r in only_error["requirements"]}["Ex.28"] == Status.ERROR.value
    assert summary["summary"]["MANUAL"] == sum(1 for r in hds.requirements if r.manual)


def test_standards_set_params_and_severities():
    assert {"hds", "gdpr", "hipaa"} <= set(load_standards())
    hds = get_standard("hds")
    book = prepare_rules(overrides=hds.params, severities=SeverityOverrides(hds.severity, hds.source))
    severity = {s.id: s.severity.value for s in book.selected}
    assert severity["storage.region-allowed"] == "critical"
    hipaa = get_standard("hipaa")
    book = prepare_rules(overrides=hipaa.params)
    region = next(r for r in book.rules if r.id == "storage.region-allowed")
    assert "us-east-1" in region.params["allowed_regions"] and "eu-west-3" not in region.params["allowed_regions"]


def test_unknown_framework_and_standard(cli):
    assert cli("scan", "--provider", "aws", "--framework", "iso").err.startswith("--framework iso: unknown framework (expected one of")
    result = cli("scan", "--provider", "aws", "--standard", "nis2")
    assert result.code == 2 and result.err.startswith("--standard nis2: unknown standard (expected one of gdpr, hds, hipaa")


def test_config_tenant_standard_is_overridden_by_its_params(tmp_path, cli, aws_endpoint):
    import boto3

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="virginia-records")
    config = tmp_path / "tenants.yaml"
    config.write_text(
        "version: 1\ntenants:\n  - name: x\n    standard: hipaa\n    accounts: [{provider: aws}]\n"
    )
    args = ("scan", "--config", str(config), "--rule", "storage.region-allowed", "--format", "json", "--fail-on", "none")
    (finding,) = cli(*args).json()["findings"]
    assert finding["status"] == "PASS"
    config.write_text(
        "version: 1\ntenants:\n  - name: x\n    standard: hipaa\n    accounts: [{provider: aws}]\n"
        "    params: {allowed_regions: [eu-west-3]}\n"
    )
    document = cli(*args).json()
    assert document["findings"][0]["status"] == "FAIL"
    assert document["scan"]["standard"] == "hipaa"


def test_demo_with_the_hds_framework_prints_and_carries_the_summary():
    table = run_cli_process("demo", "--framework", "hds", "--standard", "hds")
    assert table.code == 0, table.err
    assert "Compliance: HDS v2" in table.out
    assert "failing: storage.region-allowed (1)" in table.out
    document = json.loads(run_cli_process("demo", "--framework", "hds", "--format", "json").out)
    (summary,) = document["compliance"]
    rows = {r["id"]: r for r in summary["requirements"]}
    assert rows["Ex.28"]["status"] == "FAIL"
    assert [f["resource"] for f in rows["Ex.28"]["failing"]] == ["arn:aws:s3:::cabinet-du-parc-export-teleconsultation"]
    assert rows["Ex.31"]["status"] == "MANUAL"
    assert {f["rule"]["id"] for f in document["findings"]} <= set(load_frameworks()["hds"].rule_ids)


def test_generated_rule_reference_is_current():
    expected = render_rule_reference(load_rule_specs(), dict(load_frameworks()))
    assert (REPO / "docs" / "rules.md").read_text() == expected, "run: cloudaudit rules docs -o docs/rules.md"


def test_bad_framework_file_is_reported_with_its_path(monkeypatch, tmp_path):
    from cloudaudit import frameworks as module

    load_frameworks.cache_clear()
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "x.yaml").write_text("id: x\nname: X\nversion: '1'\nrequirements:\n  - {id: '1', title: t}\n")

    class Root:
        def joinpath(self, name):
            return folder

    monkeypatch.setattr("cloudaudit.datafiles.resources.files", lambda package: Root())
    with pytest.raises(InputError) as caught:
        module.load_frameworks()
    assert caught.value.problems == ["rules/frameworks/x.yaml: $.requirements[0]: needs either rules or manual (exactly one)"]
    load_frameworks.cache_clear()
