"""Run a command in a child process and measure what it alone used: wall time, CPU, peak RSS.

The command is started by a small launcher process, not by the benchmark itself: a process's
peak RSS (ru_maxrss) survives exec, so a child forked from the benchmark, which holds large
findings documents by then, would report the benchmark's size instead of its own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Mapping, Sequence

_LAUNCHER = """
import json, os, sys, time
report_fd, command = int(sys.argv[1]), sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(report_fd)
    try:
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(report_fd, json.dumps({
    "wall": time.perf_counter() - started,
    "cpu": usage.ru_utime + usage.ru_stime,
    "maxrss_kb": usage.ru_maxrss,
    "code": os.waitstatus_to_exitcode(status),
}).encode())
"""
"""Forks and execs the command, waits for it with os.wait4 (its own rusage, not the sum over
every child that RUSAGE_CHILDREN gives) and writes the figures to a pipe."""


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    wall_seconds: float
    cpu_seconds: float
    """User plus system CPU time of the child."""
    peak_rss_mb: float
    stdout: str
    stderr: str


def run_child(command: Sequence[str], env: Mapping[str, str], timeout: float = 3600) -> ChildRun:
    read_fd, write_fd = os.pipe()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        launcher = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, str(write_fd), *command],
            stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=dict(env),
            pass_fds=(write_fd,), start_new_session=True,
        )
        os.close(write_fd)
        try:
            launcher.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
        with os.fdopen(read_fd, "rb") as report:
            figures = json.loads(report.read() or b'{"wall": 0, "cpu": 0, "maxrss_kb": 0, "code": -9}')
        out.seek(0)
        err.seek(0)
        return ChildRun(
            returncode=figures["code"],
            wall_seconds=figures["wall"],
            cpu_seconds=figures["cpu"],
            peak_rss_mb=figures["maxrss_kb"] / 1024,  # Linux reports kilobytes
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
