"""Every threshold and timeout of the readiness check, as named constants with units.

:class:`CheckSettings` gathers them so a room (or a test) can pass other values to the
engine's constructor; the defaults are the constants below. Where a value comes from a
driver (the video frame checks, the loopback verdict, preset SSIM), the driver's own named
constant is used and cited instead of a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

# -- engine ------------------------------------------------------------------------------
ITEM_TIMEOUT_S: Final = 20.0  # one item, unless it sets its own (a preset move: VISCA 15 s)
CLEANUP_TIMEOUT_S: Final = 10.0  # putting cameras back where they were after the run
HISTORY_MAX_RUNS: Final = 50  # runs kept on disk (JSON lines) with their evidence
HEALTH_MAX_AGE_S: Final = 24 * 3600.0  # an older last run says nothing: health "unknown"

# -- cameras (VISCA) -----------------------------------------------------------------------
LINK_READY_WAIT_S: Final = 2.0  # a link that is not ready is kicked and given this long
PAN_TILT_DELTA_DEG: Final = 2.0  # the small move of the move-and-read-back test
PAN_TILT_TOLERANCE_DEG: Final = 0.5  # read-back within this of where it was sent
PRESET_TIMEOUT_S: Final = 25.0  # recall (VISCA move completion ≤ 15 s) + frames + compare

# -- camera video ------------------------------------------------------------------------------
VIDEO_SAMPLE_FRAMES: Final = 5  # frames analysed per camera (4 consecutive pairs)
VIDEO_FRAME_TIMEOUT_S: Final = 3.0  # no new frame within this: the picture stalled
VIDEO_FROZEN_PAIRS_FAIL: Final = 4  # identical consecutive pairs for "frozen" (all of them)
PRESET_SETTLE_FRAMES: Final = 2  # fresh frames after a recall before comparing (buffering)

# -- audio -------------------------------------------------------------------------------------
MIC_LEVEL_S: Final = 1.0  # ambient reading of each microphone
MIC_SILENT_DBFS: Final = -90.0  # peak below this: digital silence (muted, dead capsule)
MIC_NOISE_WARN_DBFS: Final = -35.0  # noise floor above this: a noisy room or hum
MIC_NOISE_FAIL_DBFS: Final = -20.0
MIC_CLIPPING_WARN_RATIO: Final = 1e-4  # share of samples at full scale (drivers.audio.verdict)
MIC_CLIPPING_FAIL_RATIO: Final = 1e-3
LOOPBACK_TIMEOUT_S: Final = 20.0  # input start ≤ 5 s + tone + playback margin 3 s

# -- displays ----------------------------------------------------------------------------------
DISPLAY_VERIFY_TIMEOUT_S: Final = 3.0  # play → pattern on screen took 0.3–0.5 s (PLATFORM.md 2a)
DISPLAY_TOLERANCE: Final = 8  # per-channel difference allowed on the screenshot (PNG: exact)
CEC_TIMEOUT_S: Final = 12.0  # cec-client: 10 s command timeout + kill (drivers/display/cec.py)

# -- hub and clock -----------------------------------------------------------------------------
HUB_TIMEOUT_S: Final = 3.0
CLOCK_WARN_S: Final = 3.0  # the Date header has 1 s resolution; allow it plus the round trip
CLOCK_FAIL_S: Final = 60.0  # meeting schedules and TLS need the clock within a minute

# -- PC ------------------------------------------------------------------------------------------
DISK_WARN_FREE_BYTES: Final = 2 * 1024**3
DISK_FAIL_FREE_BYTES: Final = 256 * 1024**2
DISK_WARN_FREE_FRACTION: Final = 0.10
DISK_FAIL_FREE_FRACTION: Final = 0.02
CPU_WARN_C: Final = 80.0
CPU_FAIL_C: Final = 95.0
THERMAL_ROOT: Final = Path("/sys/class/thermal")


@dataclass(frozen=True)
class CheckSettings:
    """All limits in one place; see the constants above for units and reasons."""

    item_timeout_s: float = ITEM_TIMEOUT_S
    cleanup_timeout_s: float = CLEANUP_TIMEOUT_S
    history_max_runs: int = HISTORY_MAX_RUNS
    health_max_age_s: float = HEALTH_MAX_AGE_S
    link_ready_wait_s: float = LINK_READY_WAIT_S
    pan_tilt_delta_deg: float = PAN_TILT_DELTA_DEG
    pan_tilt_tolerance_deg: float = PAN_TILT_TOLERANCE_DEG
    preset_timeout_s: float = PRESET_TIMEOUT_S
    video_sample_frames: int = VIDEO_SAMPLE_FRAMES
    video_frame_timeout_s: float = VIDEO_FRAME_TIMEOUT_S
    video_frozen_pairs_fail: int = VIDEO_FROZEN_PAIRS_FAIL
    preset_settle_frames: int = PRESET_SETTLE_FRAMES
    preset_threshold: float | None = None  # None: drivers.video.presets.SSIM_PASS
    mic_level_s: float = MIC_LEVEL_S
    mic_silent_dbfs: float = MIC_SILENT_DBFS
    mic_noise_warn_dbfs: float = MIC_NOISE_WARN_DBFS
    mic_noise_fail_dbfs: float = MIC_NOISE_FAIL_DBFS
    mic_clipping_warn_ratio: float = MIC_CLIPPING_WARN_RATIO
    mic_clipping_fail_ratio: float = MIC_CLIPPING_FAIL_RATIO
    loopback_timeout_s: float = LOOPBACK_TIMEOUT_S
    display_verify_timeout_s: float = DISPLAY_VERIFY_TIMEOUT_S
    display_tolerance: int = DISPLAY_TOLERANCE
    cec_timeout_s: float = CEC_TIMEOUT_S
    hub_timeout_s: float = HUB_TIMEOUT_S
    clock_warn_s: float = CLOCK_WARN_S
    clock_fail_s: float = CLOCK_FAIL_S
    disk_warn_free_bytes: int = DISK_WARN_FREE_BYTES
    disk_fail_free_bytes: int = DISK_FAIL_FREE_BYTES
    disk_warn_free_fraction: float = DISK_WARN_FREE_FRACTION
    disk_fail_free_fraction: float = DISK_FAIL_FREE_FRACTION
    cpu_warn_c: float = CPU_WARN_C
    cpu_fail_c: float = CPU_FAIL_C
    thermal_root: Path = THERMAL_ROOT
