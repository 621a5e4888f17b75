"""Where preset reference pictures live on disk, without OpenCV or numpy.

    ReferenceFiles(root).paths(camera, n)  → (<root>/<camera>/preset-NNN.jpg, ….json)
    ReferenceFiles(root).presets / delete  (and their *_sync forms)
    ReferenceInfo                          a stored reference's fields, no picture

The pictures themselves (store, load, compare) are ``drivers.video.presets.PresetStore``,
a ``ReferenceFiles`` that adds the OpenCV work. The room agent lists and deletes
references in its own process with this module alone and has the picture work done in
its video child (``appliance.agent.video``), so OpenCV and numpy stay out of it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from drivers.errors import ConfigError

PRESET_MIN: Final = 0
PRESET_MAX: Final = 255  # VISCA memory numbers fit one byte (VISCA.md CAM_Memory)
_CAMERA_ID: Final = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$")


@dataclass(frozen=True)
class ReferenceInfo:
    """A stored reference of one camera preset, as its JSON file describes it."""

    camera_id: str
    preset: int
    image_path: Path
    created_at: str  # ISO 8601, UTC
    width: int
    height: int
    position: dict[str, float] | None = None  # e.g. {"pan_deg":…, "tilt_deg":…, "zoom":…}


class ReferenceFiles:
    """The reference files under ``root`` (layout: ``drivers.video.presets``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    async def delete(self, camera_id: str, preset: int) -> bool:
        return await asyncio.to_thread(self.delete_sync, camera_id, preset)

    async def presets(self, camera_id: str) -> list[int]:
        """Preset numbers with a stored reference, ascending."""
        return await asyncio.to_thread(self.presets_sync, camera_id)

    def delete_sync(self, camera_id: str, preset: int) -> bool:
        found = False
        for path in self.paths(camera_id, preset):
            try:
                path.unlink()
                found = True
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise ConfigError(f"cannot delete: {exc.strerror or exc}", path=str(path)) from None
        return found

    def presets_sync(self, camera_id: str) -> list[int]:
        folder = self.paths(camera_id, 0)[0].parent
        if not folder.is_dir():
            return []
        found = []
        for meta in folder.glob("preset-*.json"):
            m = re.fullmatch(r"preset-(\d{3})\.json", meta.name)
            if m and (folder / f"preset-{m.group(1)}.jpg").is_file():
                found.append(int(m.group(1)))
        return sorted(found)

    def paths(self, camera_id: str, preset: int) -> tuple[Path, Path]:
        """The picture and the JSON of ``preset``; ``ValueError`` for a bad id or number."""
        if not isinstance(camera_id, str) or not _CAMERA_ID.match(camera_id):
            raise ValueError(f"camera id {camera_id!r} must be 1–64 letters, digits, '_.:-'")
        if (
            isinstance(preset, bool)
            or not isinstance(preset, int)
            or not PRESET_MIN <= preset <= PRESET_MAX
        ):
            raise ValueError(f"preset must be an integer {PRESET_MIN}…{PRESET_MAX}, not {preset!r}")
        folder = self.root / camera_id
        return folder / f"preset-{preset:03d}.jpg", folder / f"preset-{preset:03d}.json"
