"""Markdown for a pull-request comment, read after GitHub-style rendering: what it says, and
that untrusted text cannot add a tag, a link, an image or a table cell."""

from __future__ import annotations

import dataclasses

import pytest

from cloudaudit.model import Status
from cloudaudit.outputs.markdown_format import MAX_ROWS, MarkdownFormat
from cloudaudit.outputs.markdown_text import code_block, code_span, inline
from tests.support.markdown import render_markdown
from tests.support.reports import (
    HOSTILE_NAME,
    HOSTILE_TLS,
    MUTED_REASON,
    empty_report,
    sample_report,
)


@pytest.fixture(scope="module")
def comment():
    return render_markdown(MarkdownFormat().render(sample_report()))


def section(comment, title: str):
    (details,) = comment.xpath(f"//details[starts-with(summary, '{title}')]")
    return details


def test_the_heading_and_counts_say_what_failed(comment):
    assert comment.findtext("h2") == (
        "❌ cloudaudit: 15 failing checks (2 critical, 9 high, 4 medium), 3 checks could not be evaluated, "
        "1 muted, 85 passed, 1 collection error"
    )
    counts = comment.xpath("//table[1]/tbody/tr")
    assert [c.text for c in counts[0]] == ["FAIL", "2", "9", "4", "0", "0", "15"]


def test_failing_checks_are_listed_most_serious_first(comment):
    rows = comment.xpath("//h3[.='Failing checks']/following-sibling::table[1]/tbody/tr")
    assert len(rows) == 15
    severities = [row[0].text for row in rows]
    assert severities == ["critical"] * 2 + ["high"] * 9 + ["medium"] * 4
    assert all(len(row) == 4 for row in rows)  # no text added a cell


def test_details_are_folded(comment):
    summaries = [s.text for s in comment.iter("summary")]
    assert summaries == ["How to fix (11 rules)", "Could not be evaluated (3)", "Muted (1)", "Could not collect (1)"]
    fixes = section(comment, "How to fix")
    # One remediation per failing rule and cloud: storage.customer-managed-key and storage.object-lock
    # fail on S3 and on GCS buckets, and each cloud gets its own fix.
    assert len(fixes.xpath(".//pre/code")) == 13
    assert "aws:SecureTransport" in fixes.text_content()
    assert "Failing on: cabinet-martin-export" in fixes.text_content()
    assert MUTED_REASON in section(comment, "Muted").text_content()


def test_untrusted_text_stays_text(comment):
    assert comment.xpath("//img | //script | //a | //iframe") == []
    text = comment.text_content()
    assert HOSTILE_NAME in text
    assert f"minimum TLS version is {HOSTILE_TLS}" in text
    assert "403 Forbidden: caller lacks storage.buckets.list <b>bold</b>" in text


def test_a_clean_scan_says_so():
    comment = render_markdown(MarkdownFormat().render(empty_report()))
    assert comment.findtext("h2") == "✅ cloudaudit: no failing check, 0 passed"
    assert comment.xpath("//details") == []


def test_a_long_list_is_cut_and_counted():
    report = sample_report()
    failing = next(f for f in report.findings if f.status is Status.FAIL)
    report.findings[:] = [
        dataclasses.replace(failing, resource=dataclasses.replace(failing.resource, id=f"arn:aws:s3:::bucket-{n:03}"))
        for n in range(MAX_ROWS + 12)
    ]
    comment = render_markdown(MarkdownFormat().render(report))
    assert len(comment.xpath("//h3[.='Failing checks']/following-sibling::table[1]/tbody/tr")) == MAX_ROWS
    assert "… and 12 more in the full report." in comment.text_content()


@pytest.mark.parametrize(
    "text",
    ["plain", "a|b", "<b>x</b> & y", "[a](https://x.example) ![i](y)", "*x* _y_ ~z~", "back\\slash `tick`", "line\nbreak"],
)
def test_inline_text_renders_as_itself(text):
    rendered = render_markdown(f"| a |\n|---|\n| {inline(text)} |")
    (cell,) = rendered.xpath("//tbody/tr/td")
    assert cell.text_content() == " ".join(text.split())
    assert len(cell) == 0  # no element inside


def test_code_cannot_be_closed_from_inside():
    text = "echo ``` done\n````\nrm -rf"
    (block,) = render_markdown(code_block(text)).xpath("//pre/code")
    assert block.text == text + "\n"
    (span,) = render_markdown(f"| a |\n|---|\n| {code_span('a|b`c')} |").xpath("//td/code")
    assert span.text == "a|b`c"


def test_a_rule_failing_on_two_clouds_tells_each_its_own_fix():
    from cloudaudit.engine.ruleset import Selection
    from cloudaudit.inventory import Inventory
    from cloudaudit.model import Resource
    from cloudaudit.scan import build_report, prepare_rules

    off = {"versioning": {"enabled": False, "status": "Disabled"}}
    resources = [
        Resource("aws", "storage.bucket", "arn:aws:s3:::exports", "exports", "111122223333", "eu-west-3", properties=off),
        Resource("azure", "storage.account", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/phi",
                 "phi", "s", "francecentral", properties=off),
    ]
    report = build_report(Inventory(resources=resources), prepare_rules(selection=Selection(include=("storage.versioning",))))
    fixes = section(render_markdown(MarkdownFormat().render(report)), "How to fix (1 rule)")
    blocks = [code.text_content() for code in fixes.xpath(".//pre/code")]
    assert len(blocks) == 2
    (aws,) = [b for b in blocks if "aws s3api put-bucket-versioning" in b]
    (azure,) = [b for b in blocks if "az storage account blob-service-properties update" in b]
    assert "az storage" not in aws and "aws s3api" not in azure
    assert "on AWS" in fixes.text_content() and "on Azure" in fixes.text_content()
