"""The config file: tenants, accounts, parameters, rule selection, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudaudit.config import load_config
from cloudaudit.errors import InputError
from cloudaudit.scan import prepare_rules

GOOD = """\
version: 1
defaults:
  params:
    allowed_regions: {region_set: eea}
  rules:
    exclude: [aws.s3-mfa-delete]
tenants:
  - name: cabinet-martin
    description: GP practice, Lyon
    accounts:
      - {provider: aws, profile: martin, regions: [eu-west-3]}
    params:
      min_retention_days: 30
  - name: clinique-dupont
    accounts:
      - {provider: aws, profile: dupont}
      - {provider: aws, role_arn: "arn:aws:iam::210987654321:role/cloudaudit-read"}
    params:
      allowed_regions: [us-east-1]
    rules:
      min_severity: high
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "tenants.yaml"
    path.write_text(text)
    return str(path)


def test_many_tenants_each_with_their_accounts_params_and_rules(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    martin = config.tenant("cabinet-martin")
    assert [a.settings for a in martin.accounts] == [{"profile": "martin", "regions": ["eu-west-3"]}]
    assert martin.params.values == {"allowed_regions": {"region_set": "eea"}, "min_retention_days": 30}
    assert martin.selection.exclude == ("aws.s3-mfa-delete",)
    dupont = config.tenant("clinique-dupont")
    assert len(dupont.accounts) == 2
    assert dupont.params.values["allowed_regions"] == ["us-east-1"]
    assert dupont.selection.min_severity.value == "high"


def test_tenant_params_reach_the_rules(tmp_path):
    tenant = load_config(write(tmp_path, GOOD)).tenant("clinique-dupont")
    book = prepare_rules(selection=tenant.selection, overrides=tenant.params)
    region_rule = next(r for r in book.rules if r.id == "storage.region-allowed")
    assert region_rule.params["allowed_regions"] == ["us-east-1"]
    assert all(spec.severity.rank >= 3 for spec in book.selected)
    assert "aws.s3-mfa-delete" not in [spec.id for spec in book.selected]


def test_choosing_among_several_tenants_is_required(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    with pytest.raises(InputError) as caught:
        config.tenant(None)
    assert caught.value.problems == [
        f"{tmp_path}/tenants.yaml: lists 2 tenants; choose one with --tenant (cabinet-martin, clinique-dupont)"
    ]
    with pytest.raises(InputError, match="--tenant nobody: not in"):
        config.tenant("nobody")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("version: 2\ntenants: []\n", ["$.version: 2 is not supported (expected 1)", "$.tenants: must not be empty"]),
        (
            "version: 1\ntenants:\n  - name: x\n    accounts: [{provider: aws, profle: p}]\n",
            ["$.tenants[0].accounts[0]: unexpected key 'profle' for aws (expected one of profile, regions, role_arn, external_id)"],
        ),
        (
            "version: 1\ntenants:\n  - name: x\n    accounts: [{provider: aws, regions: eu-west-3}]\n",
            ["$.tenants[0].accounts[0].regions: expected a list of strings"],
        ),
        (
            "version: 1\ntenants:\n  - name: x\n    accounts: [{provider: oracle}]\n",
            ["$.tenants[0].accounts[0].provider: 'oracle' is not a provider (expected one of aws"],
        ),
        (
            "version: 1\ntenants:\n  - {name: x, accounts: [{provider: aws}], rules: {min_severity: urgent}}\n",
            ["$.tenants[0].rules.min_severity: 'urgent' is not allowed (expected one of critical, high, medium, low, info)"],
        ),
        (
            "version: 1\ntenants:\n  - {name: 'bad name', accounts: [{provider: aws}]}\n",
            ["$.tenants[0].name: 'bad name' is not valid (expected a short name of letters, digits, . _ or -, e.g. cabinet-martin)"],
        ),
    ],
)
def test_bad_config_lines(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_config(path)
    for fragment in expected:
        assert any(line.startswith(f"{path}: {fragment}") for line in caught.value.problems), caught.value.problems


def test_bad_parameter_value_names_the_config_field(tmp_path):
    path = write(tmp_path, "version: 1\ntenants:\n  - name: x\n    accounts: [{provider: aws}]\n    params: {min_retention_days: seven}\n")
    tenant = load_config(path).tenant(None)
    with pytest.raises(InputError) as caught:
        prepare_rules(overrides=tenant.params)
    assert caught.value.problems == [f"{path}: $.tenants[0].params.min_retention_days: expected an integer, got 'seven'"]


def test_parameter_below_its_minimum(tmp_path):
    path = write(tmp_path, "version: 1\ntenants:\n  - name: x\n    accounts: [{provider: aws}]\n    params: {min_retention_days: 0}\n")
    with pytest.raises(InputError) as caught:
        prepare_rules(overrides=load_config(path).tenant(None).params)
    assert caught.value.problems == [f"{path}: $.tenants[0].params.min_retention_days: 0 is out of range (expected >= 1)"]


def test_parameter_no_rule_declares(tmp_path):
    path = write(tmp_path, "version: 1\ndefaults: {params: {allowed_region: [eu-west-3]}}\ntenants:\n  - name: x\n    accounts: [{provider: aws}]\n")
    with pytest.raises(InputError) as caught:
        prepare_rules(overrides=load_config(path).tenant(None).params)
    (line,) = caught.value.problems
    assert line.startswith(f"{path}: $.defaults.params.allowed_region: no rule has a parameter 'allowed_region' (known: ")


def test_unknown_region_set(tmp_path):
    path = write(tmp_path, "version: 1\ntenants:\n  - name: x\n    accounts: [{provider: aws}]\n    params: {allowed_regions: {region_set: europe}}\n")
    with pytest.raises(InputError) as caught:
        prepare_rules(overrides=load_config(path).tenant(None).params)
    assert caught.value.problems == [f"{path}: $.tenants[0].params.allowed_regions: unknown region set 'europe' (expected one of eea, us)"]


def test_cli_bad_config_exits_2_with_one_line_per_problem(cli, tmp_path):
    path = write(tmp_path, "version: 1\ntenants:\n  - name: x\n    accounts: [{provider: aws, profle: p, regions: eu}]\n")
    result = cli("scan", "--config", path)
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{path}: $.tenants[0].accounts[0]: unexpected key 'profle' for aws (expected one of profile, regions, role_arn, external_id)",
        f"{path}: $.tenants[0].accounts[0].regions: expected a list of strings",
    ]


def test_cli_missing_config_file(cli, tmp_path):
    result = cli("scan", "--config", str(tmp_path / "nope.yaml"))
    assert result.code == 2
    assert result.err.strip() == f"{tmp_path}/nope.yaml: file not found"


def test_example_config_is_valid():
    from tests.conftest import REPO

    config = load_config(str(REPO / "examples" / "config.yaml"))
    for tenant in config.tenants:
        prepare_rules(selection=tenant.selection, overrides=tenant.params)
