"""An emulator in a child process of its own (so that its CPU is not the scan's): the child
builds its tenant, prints one JSON line, and serves until the benchmark closes its stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

from bench.interface import BenchProvider

REPO = Path(__file__).resolve().parent.parent


class ServerProcess:
    """`python -m MODULE ARGS...` started from the repository, and the line it printed."""

    def __init__(self, module: str, args: Sequence[str]):
        self._process = subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        line = self._process.stdout.readline() if self._process.stdout else ""
        if not line:
            self.stop()
            raise RuntimeError(f"{module} did not start (see its output above)")
        self.started: dict[str, Any] = json.loads(line)

    def stop(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def report_and_serve(started: dict[str, Any]) -> None:
    """In the child: print the JSON line the parent waits for, then block until stdin closes."""
    print(json.dumps(started), flush=True)
    sys.stdin.read()


class ServedBench(BenchProvider):
    """A provider whose emulator is one ServerProcess: `serve` starts it, `stop` ends it."""

    _server: ServerProcess | None = None

    def serve(self, module: str, args: Sequence[str]) -> dict[str, Any]:
        """Start `python -m MODULE ARGS...`; the JSON line it printed ({"port", ...})."""
        self._server = ServerProcess(module, args)
        return self._server.started

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
