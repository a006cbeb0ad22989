"""The bundled rules: valid, each with pass and fail examples that pass, consistent parameters,
and found from an installed wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections import defaultdict

from cloudaudit.engine.examples import run_all_examples
from cloudaudit.engine.loader import load_rule_specs
from cloudaudit.model import CATEGORIES
from tests.conftest import REPO


def test_every_bundled_rule_has_passing_pass_and_fail_examples():
    results = run_all_examples(load_rule_specs())
    assert len(results) >= 17
    failures = [f"{r.source}: {f}" for r in results for f in r.failures]
    assert failures == []


def test_rules_test_command_fails_a_rule_without_fail_example(cli, tmp_path):
    (tmp_path / "acme.only-pass.yaml").write_text(
        "id: acme.only-pass\ncontrol: ACME-01\ntitle: t\nresource: [storage.bucket]\nseverity: low\n"
        "categories: [encryption]\nassert: {eq: {path: encryption.at_rest, value: true}}\nremediation: {text: fix}\n"
        "examples:\n  - name: ok\n    expect: PASS\n    resource: {provider: aws, type: storage.bucket, properties: {encryption: {at_rest: true}}}\n"
        "  - name: typo\n    expect: FAIL\n    resource: {provider: aws, type: storage.bucket, properties: {encryption: {atrest: false}}}\n"
    )
    result = cli("rules", "test", str(tmp_path))
    assert result.code == 1
    assert f"FAIL  {tmp_path}/acme.only-pass.yaml: acme.only-pass: examples[1] 'typo': unknown property path 'encryption.atrest'" in result.out
    assert "0/1 rules pass their 2 examples" in result.out


def test_rules_test_command_passes_the_bundled_rules(cli):
    result = cli("rules", "test")
    assert result.code == 0, result.out
    assert result.out.strip().endswith("examples")


def test_parameters_shared_by_several_rules_mean_the_same_thing():
    declarations = defaultdict(set)
    for spec in load_rule_specs():
        for name, declaration in spec.params.items():
            declarations[name].add(repr(sorted(declaration.schema.items())) + repr(declaration.default))
    assert {name: d for name, d in declarations.items() if len(d) > 1} == {}


def test_rule_metadata_is_complete():
    for spec in load_rule_specs():
        assert spec.control.startswith("STG-"), spec.id
        assert spec.description and spec.remediation.text and spec.references, spec.id
        assert spec.compliance, spec.id
        assert set(spec.categories) <= set(CATEGORIES)


def test_wheel_is_self_contained(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("cloudaudit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not any(n.startswith(("providers/", "rules/")) for n in names), "no top-level providers or rules package"
    bundled = {p.relative_to(REPO).as_posix() for p in (REPO / "rules").rglob("*.yaml")}
    assert {f"cloudaudit/{p}" for p in bundled} <= set(names)
    py_sources = {p.relative_to(REPO).as_posix() for d in ("cloudaudit", "providers") for p in (REPO / d).rglob("*.py")}
    expected = {("cloudaudit/" + p if p.startswith("providers/") else p) for p in py_sources}
    assert expected <= set(names), sorted(expected - set(names))
    for schema in (REPO / "cloudaudit" / "schemas").iterdir():
        assert f"cloudaudit/schemas/{schema.name}" in names


def test_the_readme_rule_example_is_valid_and_its_examples_pass(cli, tmp_path):
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Writing rules", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "acme.object-lock-30-days.yaml").write_text(example)
    assert cli("rules", "validate", str(tmp_path)).code == 0
    result = cli("rules", "test", str(tmp_path))
    assert result.code == 0, result.out
    assert "1/1 rules pass their 2 examples" in result.out


def test_rules_list_and_show(cli):
    listing = cli("rules", "list", "--format", "json")
    rules = {r["id"]: r for r in listing.json()}
    assert rules["storage.region-allowed"]["control"] == "STG-RES-01"
    shown = cli("rules", "show", "storage.region-allowed")
    assert shown.code == 0
    assert 'allowed_regions (array, default {"region_set": "eea"})' in shown.out
    assert "Remediation:" in shown.out and "hds Ex.28" in shown.out
    missing = cli("rules", "show", "storage.region")
    assert missing.code == 2 and "did you mean storage.region-allowed" in missing.err


def _collected() -> dict[tuple[str, str], set[str]]:
    """(provider, resource type) -> every path its adapter's fetchers can set (management plane)."""
    from cloudaudit.providers.aws.account import ACCOUNT_FETCHERS as AWS_ACCOUNT
    from cloudaudit.providers.aws.s3 import BUCKET_FETCHERS as S3_BUCKET
    from cloudaudit.providers.azure.accounts import ACCOUNT_FETCHERS as AZURE_ACCOUNT
    from cloudaudit.providers.azure.containers import CONTAINER_FETCHERS
    from cloudaudit.providers.azure.shares import SHARE_FETCHERS
    from cloudaudit.providers.azure.subscription import SUBSCRIPTION_FETCHERS
    from cloudaudit.providers.gcp.buckets import BUCKET_FETCHERS as GCS_BUCKET
    from cloudaudit.providers.gcp.project import PROJECT_FETCHERS as GCP_PROJECT

    fetchers = {
        ("aws", "storage.bucket"): S3_BUCKET, ("aws", "cloud.account"): AWS_ACCOUNT,
        ("gcp", "storage.bucket"): GCS_BUCKET, ("gcp", "cloud.account"): GCP_PROJECT,
        ("azure", "storage.account"): AZURE_ACCOUNT, ("azure", "storage.container"): CONTAINER_FETCHERS,
        ("azure", "storage.share"): SHARE_FETCHERS, ("azure", "cloud.account"): SUBSCRIPTION_FETCHERS,
    }
    return {key: {path for fetcher in group for path in fetcher.provides} for key, group in fetchers.items()}


def _paths_read_for(rule, provider: str) -> dict:
    """The paths a rule reads for one cloud's resources: its expressions' and the placeholders
    of the messages that cloud gets (its own, else the general ones). A placeholder of another
    cloud's message is never rendered for this one."""
    import dataclasses

    from cloudaudit.engine.rule import compile_rule
    from cloudaudit.vocabulary import vocabulary

    bare, problems = compile_rule(dataclasses.replace(rule.spec, message={}), rule.params, vocabulary())
    assert bare is not None, problems
    paths = dict(bare.paths)
    for kind in ("pass", "fail"):
        template = rule.templates.get((provider, kind)) or rule.templates.get((None, kind))
        for part in template.parts if template else ():
            if part is not None and not isinstance(part, str):
                paths[part.text] = part
    return paths


def test_every_rule_reads_only_facts_the_adapters_of_its_clouds_collect():
    """A rule that reads a fact some cloud's adapter never sets gives ERROR 'not collected' on
    every resource of that cloud: limit it with `providers` (and say why in its description)."""
    from cloudaudit.engine.ruleset import compile_rules
    from cloudaudit.model import Resource, Status
    from cloudaudit.vocabulary import vocabulary

    collected = _collected()
    vocab = vocabulary()
    gaps = []
    for rule in compile_rules(load_rule_specs()):
        for rtype in rule.spec.resource_types:
            for provider in rule.spec.clouds:
                if (provider, rtype) not in collected:
                    continue  # e.g. cloud.account rules of another cloud: no such resource
                bare = Resource(provider=provider, type=rtype, id="x", name="x", account="a")
                if not rule.matches(bare) or (rule.applies and rule.evaluate(bare).status is Status.NOT_APPLICABLE):
                    continue  # with no fact at all it does not apply: it never does there (storage.https-only on GCS)
                for text, path in _paths_read_for(rule, provider).items():
                    if path.root in ("field", "tags", "raw") or vocab.spec(rtype, text) is None:
                        continue  # resource fields, or a path of another type read behind a type test
                    provided = collected[(provider, rtype)]
                    if text not in provided and not any(p.startswith(text + ".") for p in provided):
                        gaps.append(f"{rule.id}: {provider} {rtype} never collects {text}")
    assert gaps == []
