"""Fine surface texture of the simulated room, fixed to the world at every zoom.

Real surfaces have grain (wall paint, carpet pile, wood) at every scale the lens can
resolve; a vector drawing does not, so a tele view of a plain wall would look exactly
like a defocused picture. This adds a few octaves of random texture, each a small
periodic tile laid over world degrees, keeping only the octaves whose texels come out
1–64 px wide (finer ones would alias, coarser ones add nothing). The finest visible
octave always has texels of 1–4 px, so the focus measure (variance of the Laplacian)
sees detail at any zoom, and a camera move shifts the texture with the scene.

Cost at 1920×1080: about 2.5 ms per visible octave (2–3 are visible), paid only when
the renderer redraws (camera moved or the clock ticked), not per frame.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from drivers.video import _cv
from drivers.video._cv import Frame

TEXTURE_TILE_PX: Final = 128
# Texel size of each octave, 4× apart; each tile's period (128 texels) divides 360°, so
# the texture has no seam where pan wraps from +180° to −180°.
TEXTURE_OCTAVE_DEG: Final = tuple(360.0 / (TEXTURE_TILE_PX * 6 * 4**k) for k in range(5))
TEXTURE_AMPLITUDE: Final = 6  # ± luma levels of each octave's grain
_TEXEL_PX_RANGE: Final = (1.0, 32.0)
_CENTER: Final = 128


class WorldTexture:
    """Per-octave random tiles; :meth:`apply` grains a rendered view."""

    def __init__(self, seed: int = 11, amplitude: int = TEXTURE_AMPLITUDE) -> None:
        if not 0 <= amplitude <= 64:
            raise ValueError(f"texture amplitude must be 0…64 luma levels, not {amplitude}")
        rng = np.random.default_rng(seed)
        self._tiles = [
            rng.integers(
                _CENTER - amplitude,
                _CENTER + amplitude + 1,
                (TEXTURE_TILE_PX, TEXTURE_TILE_PX),
                dtype=np.uint8,
            )
            for _ in TEXTURE_OCTAVE_DEG
        ]

    def grain(
        self, pan: float, tilt: float, px_per_deg: float, width: int, height: int
    ) -> Frame | None:
        """One-channel grain for a view (128 = no change), or None when no octave shows."""
        total: Frame | None = None
        for tile, texel_deg in zip(self._tiles, TEXTURE_OCTAVE_DEG, strict=True):
            texel_px = texel_deg * px_per_deg
            if not _TEXEL_PX_RANGE[0] <= texel_px <= _TEXEL_PX_RANGE[1]:
                continue
            layer = _layer(tile, texel_deg, texel_px, pan, tilt, px_per_deg, width, height)
            total = layer if total is None else _cv.add_offset(total, layer, -_CENTER)
        return total

    def apply(self, img: Frame, pan: float, tilt: float, px_per_deg: float) -> Frame:
        """``img`` (BGR) with the grain of this view added."""
        h, w = img.shape[:2]
        grain = self.grain(pan, tilt, px_per_deg, w, h)
        if grain is None:
            return img
        return _cv.add_offset(img, _cv.to_bgr(grain), -_CENTER)


def _layer(
    tile: Frame,
    texel_deg: float,
    texel_px: float,
    pan: float,
    tilt: float,
    px_per_deg: float,
    width: int,
    height: int,
) -> Frame:
    # View pixel (x, y) shows world (pan + (x - w/2)/s, tilt - (y - h/2)/s); in texels
    # that is u = k·x + bu, v = k·y + bv. Tile a mosaic from the tile boundary at or
    # before (bu, bv) far enough to cover the view, then warp (scale + shift) it.
    r = TEXTURE_TILE_PX
    k = 1.0 / texel_px
    bu = (pan - width / 2 / px_per_deg) / texel_deg
    bv = (-tilt - height / 2 / px_per_deg) / texel_deg
    u0 = math.floor(bu / r) * r
    v0 = math.floor(bv / r) * r
    nx = math.ceil((bu - u0 + width * k) / r) + 1
    ny = math.ceil((bv - v0 + height * k) / r) + 1
    mosaic = np.tile(tile, (ny, nx))
    m = np.array([[k, 0.0, bu - u0], [0.0, k, bv - v0]], dtype=np.float64)
    return _cv.warp_scaled(mosaic, m, width, height, "nearest")
