"""One `cloudaudit evaluate` run writes every format from the same findings; each file is then
read the way its user would read it."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import jsonschema
from lxml import etree
from selenium.webdriver.common.by import By

from cloudaudit.outputs import FORMATS
from cloudaudit.outputs.csv_format import COLUMNS
from tests.support.markdown import render_markdown
from tests.support.reports import DATA, INVENTORY, RULES_DIR, SAMPLE_RULE_OPTIONS

REPO = Path(__file__).resolve().parent.parent
FINDINGS_SCHEMA = json.loads((REPO / "cloudaudit" / "schemas" / "findings.schema.json").read_text())
SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
JUNIT_SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "junit-10.xsd")))


def test_one_run_writes_every_format_from_the_same_findings(cli, tmp_path, chromium):
    paths = {name: tmp_path / f"report.{cls.extension}" for name, cls in FORMATS.items() if name != "json"}
    paths["json"] = tmp_path / "findings.json"
    args = ["evaluate", str(INVENTORY), "--rules-dir", str(RULES_DIR), *SAMPLE_RULE_OPTIONS, "--format", "table", "--fail-on", "none"]
    for name, path in paths.items():
        args += [f"--output-{name}", str(path)]
    result = cli(*args)

    assert result.code == 0, result.err
    assert "Summary" in result.out  # the table still goes to stdout
    for name, path in paths.items():
        assert f"wrote {path} ({name}, " in result.err

    document = json.loads(paths["json"].read_text())
    jsonschema.validate(document, FINDINGS_SCHEMA)
    findings = document["findings"]
    statuses = Counter(f["status"] for f in findings)
    assert set(statuses) == {"PASS", "FAIL", "ERROR", "NOT_APPLICABLE"}
    by_fingerprint = {f["fingerprint"]: f for f in findings}

    # jsonl: one line per finding, the same objects as the document's findings
    lines = paths["jsonl"].read_text().splitlines()
    assert [json.loads(line) for line in lines] == findings

    # csv: parsed back, one row per finding, the documented columns
    with paths["csv"].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [name for name, _ in COLUMNS]
    assert [(r["fingerprint"], r["status"], r["message"]) for r in rows] == [
        (f["fingerprint"], f["status"], f["message"]) for f in findings
    ]

    # sarif: valid against the OASIS schema; one result per FAIL and ERROR, one rule per rule that ran
    sarif = json.loads(paths["sarif"].read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA)
    run = sarif["runs"][0]
    assert len(run["tool"]["driver"]["rules"]) == document["scan"]["rules"]
    reported = Counter(
        by_fingerprint[r["partialFingerprints"]["cloudauditFingerprint/v1"]]["status"] for r in run["results"]
    )
    assert reported == Counter({"FAIL": statuses["FAIL"], "ERROR": statuses["ERROR"]})
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == len(document["errors"]) == 1

    # junit: valid against the Jenkins schema; its counts are the findings'
    JUNIT_SCHEMA.assertValid(etree.parse(str(paths["junit"])))
    suites = ET.parse(paths["junit"]).getroot()
    cases = [case for case in suites.iter("testcase") if case.get("classname") != "collection"]
    assert len(cases) == len(findings)
    assert sum(1 for c in cases if c.find("failure") is not None) == statuses["FAIL"]
    assert sum(1 for c in cases if c.find("error") is not None) == statuses["ERROR"]
    assert sum(1 for c in cases if c.find("skipped") is not None) == statuses["NOT_APPLICABLE"]
    assert suites.get("errors") == str(statuses["ERROR"] + 1)  # + the collection error

    # markdown: rendered as a pull-request comment, the verdict and every failing finding's message
    comment = render_markdown(paths["markdown"].read_text())
    assert comment.findtext("h2").startswith(f"❌ cloudaudit: {statuses['FAIL']} failing checks")
    failing_table = comment.xpath("//h3[.='Failing checks']/following-sibling::table[1]")[0]
    assert len(failing_table.xpath("tbody/tr")) == statuses["FAIL"]
    shown = failing_table.text_content()
    for finding in findings:
        if finding["status"] == "FAIL":
            assert finding["message"] in shown

    # html: what a person sees in a browser
    chromium.open(paths["html"])
    driver = chromium.driver
    assert driver.find_element(By.ID, "headline").text.startswith(f"{statuses['FAIL']} failing checks")
    visible = [row for row in driver.find_elements(By.CSS_SELECTOR, "tr.finding") if row.is_displayed()]
    assert len(visible) == statuses["FAIL"] + statuses["ERROR"]
    assert len(driver.find_elements(By.CSS_SELECTOR, "tr.finding")) == len(findings)
    assert [u for u in chromium.network_requests() if u != paths["html"].as_uri()] == []
    assert chromium.console_errors() == []
