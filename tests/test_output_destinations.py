"""Several reports from one run: --output-FORMAT, -o FORMAT:PATH, -o PATH; every file written
atomically; bad values refused in one line with exit code 2 before anything runs."""

from __future__ import annotations

import errno
import json
import os

import pytest

import cloudaudit.atomic
from cloudaudit.errors import ExitCode
from cloudaudit.outputs import FORMATS
from tests.conftest import run_cli_process
from tests.support.reports import INVENTORY, RULES_DIR, SAMPLE_RULE_OPTIONS

EVALUATE = ("evaluate", str(INVENTORY), "--rules-dir", str(RULES_DIR), *SAMPLE_RULE_OPTIONS, "--fail-on", "none")


def test_every_registered_format_has_its_output_option(cli):
    for command in ("scan", "evaluate", "demo"):
        help_text = cli(command, "--help").out
        for name in FORMATS:
            assert f"--output-{name} PATH" in help_text, (command, name)


def test_main_format_to_stdout_and_others_to_files(cli, tmp_path):
    result = cli(*EVALUATE, "--format", "markdown", "-o", f"sarif:{tmp_path / 'a.sarif'}", "--output-csv", str(tmp_path / "b.csv"))
    assert result.code == 0, result.err
    assert result.out.startswith("## ❌ cloudaudit:")
    assert json.loads((tmp_path / "a.sarif").read_text())["version"] == "2.1.0"
    assert (tmp_path / "b.csv").read_text().startswith("fingerprint,status,")
    assert sorted(os.listdir(tmp_path)) == ["a.sarif", "b.csv"]


def test_a_plain_path_takes_the_main_format_or_its_extension(cli, tmp_path):
    assert cli(*EVALUATE, "--format", "junit", "-o", str(tmp_path / "report.txt")).out == ""
    assert (tmp_path / "report.txt").read_text().startswith('<?xml version="1.0"')
    cli(*EVALUATE, "-o", str(tmp_path / "report.html"))
    assert (tmp_path / "report.html").read_text().startswith("<!doctype html>")


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "sraif:out.sarif"], "--output sraif:out.sarif: unknown format 'sraif' (known: csv, html, json, jsonl, junit, markdown, sarif, table); for a file name with a colon, write ./sraif:out.sarif"),
        (["-o", "json:"], "--output json:: expected FORMAT:PATH with a path after the colon"),
        (["-o", "a.json", "-o", "b.json"], "--output: 2 paths for one format (a.json, b.json); use FORMAT:PATH for the others"),
        (["--output-json", "same.json", "-o", "sarif:same.json"], "--output-json same.json: the same file as --output sarif:same.json; give each report its own file"),
        (["--output-html", "missing/r.html"], "--output-html missing/r.html: folder {cwd}/missing does not exist"),
        (["--output-csv", "."], "--output-csv .: . is a folder, expected a file path"),
        (["--output-junit", ""], "--output-junit: the path is empty"),
    ],
)
def test_bad_destinations_get_one_line_and_exit_2(cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = cli(*EVALUATE, *args)
    assert result.code == ExitCode.BAD_INPUT
    assert result.err == message.format(cwd=tmp_path) + "\n"
    assert result.out == ""
    assert os.listdir(tmp_path) == []


def test_a_failed_write_keeps_the_old_file_and_the_others_are_written(cli, tmp_path, monkeypatch):
    sarif, csv_file = tmp_path / "report.sarif", tmp_path / "report.csv"
    sarif.write_text("the previous report\n")
    real_fsync = os.fsync

    def disk_full_for_sarif(fd: int) -> None:
        if ".report.sarif." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(cloudaudit.atomic.os, "fsync", disk_full_for_sarif)
    result = cli(*EVALUATE, "--format", "table", "--output-sarif", str(sarif), "--output-csv", str(csv_file))

    assert result.code == ExitCode.BAD_INPUT
    assert result.err.splitlines()[-1] == f"--output-sarif {sarif}: cannot write (No space left on device); the file is unchanged"
    assert sarif.read_text() == "the previous report\n"
    assert csv_file.read_text().startswith("fingerprint,")
    assert sorted(os.listdir(tmp_path)) == ["report.csv", "report.sarif"]  # no temporary file left


def test_a_ci_job_gets_the_same_in_a_child_process(tmp_path):
    result = run_cli_process(*EVALUATE, "--format", "sarif", "--output-junit", str(tmp_path / "junit.xml"), "-o", "nope:x")
    assert result.code == ExitCode.BAD_INPUT
    assert len(result.err.strip().splitlines()) == 1
    result = run_cli_process(*EVALUATE, "--format", "sarif", "--output-junit", str(tmp_path / "junit.xml"))
    assert result.code == 0, result.err
    assert json.loads(result.out)["runs"][0]["results"]
    assert (tmp_path / "junit.xml").read_text().startswith('<?xml version="1.0"')


def test_the_demo_writes_several_reports_too(cli, tmp_path):
    result = cli("demo", "--format", "json", "--output-sarif", str(tmp_path / "demo.sarif"), "-o", f"html:{tmp_path / 'demo.html'}")
    assert result.code == 0, result.err
    assert json.loads(result.out)["findings"]
    assert json.loads((tmp_path / "demo.sarif").read_text())["runs"][0]["results"]
    assert "cloudaudit report" in (tmp_path / "demo.html").read_text()
