"""A real small file system for full-disk tests: a tmpfs of a few hundred KiB.

Mounting needs root (the suite runs as root, like the hotplug tests); without it the
fixture fails saying so. ``fill()`` writes a filler file until the kernel answers ENOSPC,
``free()`` removes it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

SMALL_DISK_BYTES: Final = 512 * 1024
_FILL_CHUNK: Final = 4096


@dataclass
class SmallDisk:
    root: Path

    @property
    def filler(self) -> Path:
        return self.root / ".filler"

    def fill(self) -> None:
        """Use every free block (the next write of any size fails with ENOSPC)."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (_FILL_CHUNK, 1):  # whole blocks, then the last block's bytes
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@contextlib.contextmanager
def small_disk(where: Path, size: int = SMALL_DISK_BYTES) -> Iterator[SmallDisk]:
    if os.geteuid() != 0:
        raise AssertionError(
            "full-disk tests mount a small tmpfs, which needs root; run the suite as root"
        )
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield SmallDisk(where)
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=True)
