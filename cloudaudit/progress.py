"""A progress line on stderr while collecting, only when stderr is a terminal."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Counts work done; the base class shows nothing (pipes, CI logs, JSON output)."""

    def start(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


class TerminalProgress(Progress):
    """Rewrites one line on a terminal: 'aws 123456789012: buckets 12/40'."""

    def __init__(self, stream: TextIO, min_interval: float = 0.1):
        self._stream = stream
        self._lock = threading.Lock()
        self._label = ""
        self._total: int | None = None
        self._done = 0
        self._last = 0.0
        self._interval = min_interval

    def start(self, label: str, total: int | None = None) -> None:
        with self._lock:
            self._label, self._total, self._done = label, total, 0
            self._draw(force=True)

    def advance(self, amount: int = 1) -> None:
        with self._lock:
            self._done += amount
            self._draw(force=self._total is not None and self._done >= self._total)

    def finish(self) -> None:
        with self._lock:
            if self._label:
                self._stream.write("\r\x1b[2K")
                self._stream.flush()
            self._label = ""

    def _draw(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._last < self._interval:
            return
        self._last = now
        count = f"{self._done}/{self._total}" if self._total is not None else str(self._done)
        self._stream.write(f"\r\x1b[2K{self._label} {count}")
        self._stream.flush()


def progress_for(stream: TextIO = sys.stderr) -> Progress:
    """A terminal progress line when `stream` is a TTY, else nothing at all."""
    isatty = getattr(stream, "isatty", None)
    return TerminalProgress(stream) if isatty and isatty() else Progress()
