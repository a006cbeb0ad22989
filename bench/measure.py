"""Run a command in a child process and measure what it alone used: wall time, CPU, peak RSS."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Mapping, Sequence


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
    """os.wait4 gives this child's own rusage, unlike RUSAGE_CHILDREN, which accumulates over
    every child the benchmark ever waited for (and whose ru_maxrss is the largest of them)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=dict(env))
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)  # releases the GIL: the proxy keeps serving
        finally:
            killer.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        out.seek(0)
        err.seek(0)
        return ChildRun(
            returncode=process.returncode,
            wall_seconds=wall,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
