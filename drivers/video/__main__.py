"""``python -m drivers.video``: serve the simulated camera's picture (see simulator.main)."""

from __future__ import annotations

from drivers.video.simulator import main

main()
