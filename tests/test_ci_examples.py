"""The CI examples run as their CI system would run them: every shell step that calls
cloudaudit, in order, in a workspace, against the demo practice on a moto server.

Only what a CI runner provides is stood in for: the checkout (the suppressions and baseline
files), the credentials step (dummy keys, or GitLab's OIDC token for boto3's web-identity
exchange) and the secrets (a local webhook). Package installs are not run; cloudaudit is the one
of this checkout. A command whose option does not exist fails the test: nothing is skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
import yaml

from cloudaudit.engine.validation import schema_problems
from tests.conftest import REPO
from tests.support.practice import build_practice_here
from tests.support.webhook import FlakyWebhook

EXAMPLES = REPO / "examples" / "ci"
INVOCATION = re.compile(r"(?m)^\s*(?:#\s*|-\s+)?cloudaudit\s")
SECRET_TOKEN = "Bearer ci-t0ken-never-shown"


@dataclass(frozen=True)
class ShellStep:
    name: str
    script: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StepRun:
    step: ShellStep
    code: int
    out: str
    err: str


def is_install(script: str) -> bool:
    return script.strip().startswith("pip install")


def invocations(text: str) -> int:
    return len(INVOCATION.findall(text))


def run_steps(steps: list[ShellStep], workspace: Path, base_env: dict[str, str]) -> list[StepRun]:
    """Each step in bash -e -o pipefail, like both runners; a failed step does not stop the
    others (the examples run their reporting steps `if: always()` / in `after_script`)."""
    bin_dir = str(Path(sys.executable).parent)
    runs = []
    for step in steps:
        env = {**base_env, **step.env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", step.script],
            cwd=workspace, env=env, capture_output=True, text=True, timeout=120,
        )
        runs.append(StepRun(step, done.returncode, done.stdout, done.stderr))
    return runs


def expand(value: str, env: dict[str, str]) -> str:
    """${{ secrets.X }} / ${{ vars.X }} (GitHub) and $VAR (GitLab variables) from `env`."""
    value = re.sub(r"\$\{\{\s*(?:secrets|vars)\.(\w+)\s*\}\}", lambda m: env[m.group(1)], value)
    return re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), m.group(0)), value)


@pytest.fixture
def workspace(tmp_path: Path, aws_endpoint: str) -> Path:
    """A checkout of the practice's repository, with its accepted findings; the practice on moto."""
    build_practice_here()
    root = tmp_path / "checkout"
    (root / ".cloudaudit").mkdir(parents=True)
    shutil.copy(REPO / "examples" / "suppressions.yaml", root / ".cloudaudit" / "suppressions.yaml")
    return root


def failing(document: dict) -> list[dict]:
    return [f for f in document["findings"] if f["status"] == "FAIL"]


# -- GitHub Actions ----------------------------------------------------------------------------


def github_shell_steps(workflow: dict, secrets: dict[str, str]) -> tuple[list[ShellStep], str]:
    (job,) = workflow["jobs"].values()
    env = {**workflow.get("env", {}), **job.get("env", {})}
    steps, skipped = [], ""
    for step in job["steps"]:
        if "run" not in step:
            continue
        if is_install(step["run"]):
            skipped += step["run"]
            continue
        step_env = {k: expand(str(v), secrets) for k, v in {**env, **step.get("env", {})}.items()}
        steps.append(ShellStep(step.get("name", step["run"][:40]), step["run"], step_env))
    return steps, skipped


def test_the_github_workflow_audits_with_an_oidc_role_uploads_sarif_fails_on_high_and_files_tickets(workspace, tmp_path):
    text = (EXAMPLES / "github-actions.yml").read_text()
    workflow = yaml.safe_load(text)
    (job,) = workflow["jobs"].values()
    uses = {step["uses"].split("@")[0]: step for step in job["steps"] if "uses" in step}
    assert workflow["permissions"]["id-token"] == "write" and workflow["permissions"]["security-events"] == "write"
    assert uses["aws-actions/configure-aws-credentials"]["with"]["role-to-assume"].startswith("arn:aws:iam::")
    sarif_file = uses["github/codeql-action/upload-sarif"]["with"]["sarif_file"]
    artifact = uses["actions/upload-artifact"]["with"]["path"]

    with FlakyWebhook() as hook:
        secrets = {"TICKETS_WEBHOOK_URL": hook.url, "TICKETS_TOKEN": SECRET_TOKEN}
        steps, skipped = github_shell_steps(workflow, secrets)
        assert sum(invocations(s.script) for s in steps) == invocations(text) - invocations(skipped) > 0
        # What configure-aws-credentials leaves behind: keys in the environment, and a region.
        runs = run_steps(steps, workspace, {**os.environ, "AWS_REGION": "eu-west-3"})
        tickets = [hook.tickets[key]["finding"] for key in hook.created]

    by_name = {run.step.name: run for run in runs}
    audit = by_name["Audit (fails on high and critical findings)"]
    assert audit.code == 1, audit.err  # the practice has high failures: the job goes red
    assert all(run.code == 0 for run in runs if run is not audit), [(r.step.name, r.err) for r in runs]
    assert "Summary" in audit.out, "the table is in the job log"

    sarif = json.loads((workspace / sarif_file).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    findings = json.loads((workspace / artifact).read_text())
    assert schema_problems(findings, "findings.schema.json") == []
    assert findings["summary"]["by_status"]["MUTED"] == 3, "the suppressions of the checkout applied"

    expected = [f["fingerprint"] for f in failing(findings) if f["severity"] in ("critical", "high", "medium")]
    assert sorted(t["fingerprint"] for t in tickets) == sorted(expected)
    assert len(hook.created) == len(set(hook.created))
    assert all(r.headers["Authorization"] == SECRET_TOKEN for r in hook.received)
    assert (workspace / ".cloudaudit-state" / "delivered.json").exists(), "the state the cache step keeps"
    for run in runs:
        assert "ci-t0ken" not in run.out + run.err and "s3cr3t-path" not in run.out + run.err


# -- GitLab CI ---------------------------------------------------------------------------------


def gitlab_shell_steps(job: dict, variables: dict[str, str]) -> tuple[list[ShellStep], str]:
    env = {k: expand(str(v), variables) for k, v in job.get("variables", {}).items()}
    steps, skipped = [], ""
    for section in ("before_script", "script", "after_script"):
        for index, line in enumerate(job.get(section, [])):
            if is_install(line):
                skipped += line
                continue
            steps.append(ShellStep(f"{section}[{index}]", line, env))
    return steps, skipped


def documented_commands(text: str) -> list[str]:
    """The commands the file's comments tell the user to run (the baseline refresh)."""
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if re.match(r"^#\s+cloudaudit\s", line)]


def test_the_gitlab_job_fails_only_on_new_high_findings_and_reports_junit(workspace):
    text = (EXAMPLES / "gitlab-ci.yml").read_text()
    (job,) = yaml.safe_load(text).values()
    assert job["artifacts"]["when"] == "always"
    junit_file = job["artifacts"]["reports"]["junit"]
    assert "AWS_ID_TOKEN" in job["id_tokens"] and job["variables"]["AWS_ROLE_ARN"].startswith("arn:aws:iam::")

    # Credentials as the runner has them: no keys, only the OIDC token that boto3 exchanges
    # (sts:AssumeRoleWithWebIdentity); the scan can read nothing any other way.
    base_env = {k: v for k, v in os.environ.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    variables = {"CI_PROJECT_DIR": str(workspace), "AWS_ID_TOKEN": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJwcm9qZWN0In0."}
    base_env.update(variables)
    steps, skipped = gitlab_shell_steps(job, variables)
    refresh = [ShellStep("baseline refresh", command, steps[0].env) for command in documented_commands(text)]
    assert len(refresh) == 1
    assert sum(invocations(s.script) for s in refresh + steps) == invocations(text) - invocations(skipped) > 0

    # The reviewed baseline, then a change nobody reviewed: patient records made public.
    token_step, *job_steps = steps
    (setup,) = run_steps([token_step, *refresh], workspace, base_env)[1:]
    assert setup.code == 1 and (workspace / ".cloudaudit" / "baseline.json").exists(), setup.err
    boto3.client("s3", region_name="eu-west-3").delete_public_access_block(Bucket="cabinet-du-parc-dossiers-patients")

    runs = run_steps([token_step, *job_steps], workspace, base_env)
    scan, diff = runs[1], runs[2]
    assert runs[0].code == 0
    assert scan.code == 1, scan.err  # a new critical failure since the baseline
    document = json.loads((workspace / "findings.json").read_text())
    new = document["baseline"]["new"]
    assert new and all(
        f["resource"]["name"] == "cabinet-du-parc-dossiers-patients" for f in document["findings"] if f["fingerprint"] in new
    )
    assert diff.code == 0 and f"New ({len(new)})" in diff.out

    suite = ElementTree.parse(workspace / junit_file).getroot()
    failures = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert len(failures) == len(failing(document))


def test_every_cloudaudit_command_of_the_examples_is_run_by_a_test():
    """A new example file needs its own test above."""
    tested = {"github-actions.yml", "gitlab-ci.yml"}
    assert {p.name for p in EXAMPLES.iterdir() if invocations(p.read_text())} == tested
