"""Write files so that a reader never sees half a file and a failed run leaves the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, TextIO


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` through a temporary file in the same directory, then rename."""
    StagedFile(path, lambda handle: handle.write(text)).commit()


class StagedFile:
    """A file written in full beside its target, by `write(handle)`, and put in its place only
    by commit(): until then the target keeps its old content. Lets a caller write several
    large files piece by piece, and replace none until all are written."""

    def __init__(self, path: str | os.PathLike[str], write: Callable[[TextIO], object]):
        self.target = Path(path)
        directory = self.target.parent if str(self.target.parent) else Path(".")
        fd, self._tmp_name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=directory)
        try:
            os.chmod(self._tmp_name, 0o666 & ~_current_umask())
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        try:
            os.replace(self._tmp_name, self.target)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        try:
            os.unlink(self._tmp_name)
        except FileNotFoundError:
            pass


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
