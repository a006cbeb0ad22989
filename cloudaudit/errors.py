"""Errors that end a run with a clear message and a documented exit code."""

from __future__ import annotations

from typing import Iterable


class ExitCode:
    """The process exit codes, documented in the README."""

    OK = 0
    """No failing finding at or above --fail-on."""
    FINDINGS = 1
    """Failing findings at or above --fail-on (or ERROR results with --fail-on-error); with
    --baseline, only failing findings new since the baseline; MUTED findings never."""
    BAD_INPUT = 2
    """Bad usage, config, rule, suppression or inventory file."""
    CANNOT_RUN = 3
    """The scan could not run at all: no credentials, expired token, endpoint unreachable."""
    UNDELIVERED = 3
    """notify, scan --webhook: a finding could not be delivered (reported; a re-run retries it)."""


class CloudauditError(Exception):
    """Base of the errors the CLI turns into one-line messages."""

    exit_code = ExitCode.CANNOT_RUN

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        return [self.message]


class InputError(CloudauditError):
    """A file or option the user gave is wrong; one line per problem."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, problems: Iterable[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def lines(self) -> list[str]:
        return self.problems


class ScanCannotRun(CloudauditError):
    """Collection could not start: credentials missing or expired, endpoint unreachable."""

    exit_code = ExitCode.CANNOT_RUN
