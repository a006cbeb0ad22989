"""Bad rule files: one line per problem naming the file, the JSON path and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cloudaudit.engine.loader import RuleFile, parse_rule_files
from cloudaudit.engine.ruleset import compile_rules
from cloudaudit.errors import InputError
from tests.support.rules import BASE_RULE, rule_text


def problems(text: str, name: str = "rules/aws/test.rule.yaml") -> list[str]:
    with pytest.raises(InputError) as caught:
        compile_rules(parse_rule_files([RuleFile(name, text, False)]))
    return caught.value.problems


def test_unknown_operator_deep_in_the_tree():
    text = rule_text(**{"assert": {"all": [
        {"eq": {"path": "encryption.at_rest", "value": True}},
        {"equals": {"path": "transport.https_only", "value": True}},
    ]}})
    assert problems(text) == [
        "rules/aws/test.rule.yaml: $.assert.all[1]: unknown operator 'equals' (expected one of eq, ne, in, "
        "not_in, contains, subset_of, gt, gte, lt, lte, matches, exists, absent, all, any, not, every, some, none)"
    ]


def test_typo_inside_a_quantifier():
    text = rule_text(**{"assert": {"none": {"path": "replication.destinations[*]", "where": {"equals": {"path": "region", "value": "x"}}}}})
    (line,) = problems(text)
    assert line.startswith("rules/aws/test.rule.yaml: $.assert.none.where: unknown operator 'equals'")


def test_two_operators_in_one_node():
    text = rule_text(**{"assert": {"eq": {"path": "encryption.at_rest", "value": True}, "ne": {"path": "encryption.at_rest", "value": False}}})
    assert problems(text) == ["rules/aws/test.rule.yaml: $.assert: an expression has exactly one operator, found 2: eq, ne"]


def test_missing_keys_and_bad_enums_each_get_a_line():
    document = {k: v for k, v in BASE_RULE.items() if k not in ("title", "remediation")}
    document.update({"severity": "hgh", "categories": ["crypto"], "assert": {"eq": {"path": "encryption.at_rest"}}})
    found = problems(yaml.safe_dump(document))
    assert "rules/aws/test.rule.yaml: $: missing required key 'title'" in found
    assert "rules/aws/test.rule.yaml: $: missing required key 'remediation'" in found
    assert "rules/aws/test.rule.yaml: $.severity: 'hgh' is not allowed (expected one of critical, high, medium, low, info)" in found
    assert any(p.startswith("rules/aws/test.rule.yaml: $.categories[0]: 'crypto' is not allowed") for p in found)
    assert "rules/aws/test.rule.yaml: $.assert.eq: missing required key 'value'" in found


def test_unknown_top_level_key():
    found = problems(rule_text(severty="high", **{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}}))
    assert len(found) == 1 and found[0].startswith("rules/aws/test.rule.yaml: $: unexpected key 'severty' (expected one of id, control")


def test_unknown_property_path_is_caught_at_load_time():
    found = problems(rule_text(**{"assert": {"eq": {"path": "encryption.atrest", "value": True}}}))
    assert found == [
        "rules/aws/test.rule.yaml: $.assert.eq.path: unknown path 'encryption.atrest' for storage.bucket "
        "(see cloudaudit/schemas/properties.yaml)"
    ]


def test_path_known_for_one_resource_type_but_not_the_other():
    found = problems(rule_text(resource=["storage.bucket", "cloud.account"], **{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}}))
    assert found == [
        "rules/aws/test.rule.yaml: $.assert.eq.path: path 'encryption.at_rest' is not a property of cloud.account "
        "(see cloudaudit/schemas/properties.yaml)"
    ]


def test_a_path_of_one_resource_type_may_be_read_behind_a_test_of_the_type():
    behind = {"any": [{"eq": {"path": "type", "value": "storage.bucket"}}, {"ne": {"path": "account.kind", "value": "FileStorage"}}]}
    text = rule_text(resource=["storage.bucket", "storage.account"], applies_if=behind, **{"assert": {"eq": {"path": "versioning.enabled", "value": True}}})
    (rule,) = compile_rules(parse_rule_files([RuleFile("rules/aws/test.rule.yaml", text, False)]))
    assert "account.kind" in rule.paths
    # Not behind the test (it comes after the path), or behind a test that still lets buckets through: still a problem.
    before = {"any": [{"ne": {"path": "account.kind", "value": "FileStorage"}}, {"eq": {"path": "type", "value": "storage.bucket"}}]}
    loose = {"all": [{"in": {"path": "type", "value": ["storage.bucket", "storage.account"]}}, {"ne": {"path": "account.kind", "value": "FileStorage"}}]}
    for expression in (before, loose):
        found = problems(rule_text(resource=["storage.bucket", "storage.account"], applies_if=expression, **{"assert": {"eq": {"path": "versioning.enabled", "value": True}}}))
        assert len(found) == 1 and "path 'account.kind' is not a property of storage.bucket" in found[0], found


def test_literal_of_the_wrong_type():
    found = problems(rule_text(**{"assert": {"eq": {"path": "encryption.at_rest", "value": "true"}}}))
    assert found == ["rules/aws/test.rule.yaml: $.assert.eq.value: 'true' does not fit the property, which is of type boolean"]


def test_value_outside_the_property_enum():
    found = problems(rule_text(**{"assert": {"eq": {"path": "encryption.key_managed_by", "value": "customer-managed"}}}))
    assert found == [
        "rules/aws/test.rule.yaml: $.assert.eq.value: 'customer-managed' is not a value this property takes "
        "(expected one of provider, customer)"
    ]


def test_undeclared_parameter():
    found = problems(rule_text(**{"assert": {"gte": {"path": "retention.days", "value": {"param": "min_days"}}}}))
    assert found == ["rules/aws/test.rule.yaml: $.assert.gte.value: unknown parameter 'min_days' (declared: none)"]


def test_parameter_default_of_the_wrong_type():
    found = problems(rule_text(
        params={"min_days": {"type": "integer", "default": "seven"}},
        **{"assert": {"gte": {"path": "retention.days", "value": {"param": "min_days"}}}},
    ))
    assert found == ["rules/aws/test.rule.yaml: $.params.min_days.default: expected an integer, got 'seven'"]


def test_bad_regular_expression_and_bad_placeholder():
    found = problems(rule_text(
        message={"fail": "seen {encryption.algoritm}"},
        **{"assert": {"matches": {"path": "encryption.algorithm", "value": "aws:kms("}}},
    ))
    assert any(p.startswith("rules/aws/test.rule.yaml: $.assert.matches.value: invalid regular expression") for p in found)
    assert "rules/aws/test.rule.yaml: $.message.fail: placeholder {encryption.algoritm} is not a property of storage.bucket" in found


def test_quantifier_path_must_name_a_list():
    found = problems(rule_text(**{"assert": {"every": {"path": "encryption.algorithm[*]", "where": {"eq": {"path": "@", "value": "x"}}}}}))
    assert found == ["rules/aws/test.rule.yaml: $.assert.every.path: 'encryption.algorithm' is of type string, not a list"]


def test_yaml_syntax_error_and_duplicated_key_name_the_line():
    assert problems("id: x\n  title: [oops\n") == ["rules/aws/test.rule.yaml: line 2: mapping values are not allowed here"]
    duplicated = rule_text(**{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}}) + "severity: low\n"
    (line,) = problems(duplicated)
    assert line.startswith("rules/aws/test.rule.yaml: line ") and line.endswith("duplicated key 'severity'")


def test_file_name_must_match_the_id():
    text = rule_text(**{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}})
    assert problems(text, "rules/aws/other-name.yaml") == [
        "rules/aws/other-name.yaml: $.id: 'test.rule' does not match the file name (expected the file to be named test.rule.yaml)"
    ]


def test_problems_of_every_file_are_reported_together():
    good = rule_text(**{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}})
    bad = good.replace("severity: high", "severity: urgent")
    with pytest.raises(InputError) as caught:
        parse_rule_files([RuleFile("a/test.rule.yaml", bad, False), RuleFile("b/test.rule.yaml", "[1, 2]", False)])
    assert caught.value.problems == [
        "a/test.rule.yaml: $.severity: 'urgent' is not allowed (expected one of critical, high, medium, low, info)",
        "b/test.rule.yaml: $: expected a mapping with the rule's keys (id, title, assert, ...)",
    ]


def test_cli_rules_validate_reports_lines_and_exits_2(cli, tmp_path: Path):
    folder = tmp_path / "myrules"
    folder.mkdir()
    (folder / "acme.tls.yaml").write_text(
        rule_text(id="acme.tls", **{"assert": {"all": [
            {"eq": {"path": "transport.https_only", "value": True}},
            {"equals": {"path": "transport.min_tls_version", "value": "1.2"}},
        ]}})
    )
    result = cli("rules", "validate", str(folder))
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{folder}/acme.tls.yaml: $.assert.all[1]: unknown operator 'equals' (expected one of eq, ne, in, not_in, "
        "contains, subset_of, gt, gte, lt, lte, matches, exists, absent, all, any, not, every, some, none)"
    ]
    assert "Traceback" not in result.err


def test_user_rule_may_not_reuse_a_bundled_id(cli, tmp_path: Path):
    (tmp_path / "storage.versioning.yaml").write_text(
        rule_text(id="storage.versioning", **{"assert": {"eq": {"path": "versioning.enabled", "value": True}}})
    )
    result = cli("rules", "validate", str(tmp_path))
    assert result.code == 2
    assert result.err.strip() == (
        f"{tmp_path}/storage.versioning.yaml: $.id: rule 'storage.versioning' is already defined in "
        "rules/backup/storage.versioning.yaml"
    )


def test_scan_with_bad_rules_dir_exits_2_before_any_cloud_call(cli, tmp_path: Path):
    (tmp_path / "x.y.yaml").write_text("id: x.y\n")
    result = cli("scan", "--provider", "aws", "--rules-dir", str(tmp_path))
    assert result.code == 2
    assert result.err.startswith(f"{tmp_path}/x.y.yaml: $: missing required key")
