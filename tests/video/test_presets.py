"""Preset verification on simulator footage: the right preset passes, a wrong one fails,
a recall that lands off target is reported with its offset; references persist on disk."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from drivers.errors import ConfigError
from drivers.video import (
    PresetStore,
    SceneRenderer,
    VideoSimulator,
    VideoSource,
    verify_preset,
    visca_camera_view,
)
from drivers.video.presets import MAX_SHIFT_FRACTION, ORB_PASS, SSIM_PASS
from drivers.visca import messages
from drivers.visca.models import profile_for
from drivers.visca.sim import CameraSimulator
from tests.video.conftest import caught_up_frame, wait_until

PRESETS = {
    1: (0.0, -5.0, 1.0),  # the whole room
    2: (-25.0, -15.0, 3.0),  # delegates on the left
    3: (25.0, -15.0, 3.0),  # delegates on the right (a mirror image of preset 2)
    4: (0.0, -7.0, 6.0),  # the chair
    5: (0.0, -5.0, 1.3),  # the room, a little tighter
}


@pytest.fixture(scope="module")
def renderer() -> SceneRenderer:
    return SceneRenderer(1280, 720)


@pytest.mark.parametrize("method", ["ssim", "orb"])
async def test_right_preset_passes_and_every_wrong_one_fails(
    renderer: SceneRenderer, tmp_path: Path, method: str
) -> None:
    store = PresetStore(tmp_path)
    for n, view in PRESETS.items():
        await store.save(
            "cam1",
            n,
            renderer.render(*view),
            position=dict(zip(("pan_deg", "tilt_deg", "zoom"), view, strict=True)),
        )
    reloaded = PresetStore(tmp_path)  # what a restarted agent sees
    references = {n: await reloaded.load("cam1", n) for n in PRESETS}
    for n, view in PRESETS.items():
        live = renderer.render(*view)  # new sensor noise, same view
        for m, reference in references.items():
            match = verify_preset(live, reference, method=method)  # type: ignore[arg-type]
            assert match.passed is (m == n), (n, m, match)
            if m == n:
                assert match.score >= (SSIM_PASS if method == "ssim" else ORB_PASS)
    assert (await reloaded.verify("cam1", 4, renderer.render(*PRESETS[4]), method=method)).passed  # type: ignore[arg-type]


def test_small_miss_passes_with_its_offset_large_miss_fails(renderer: SceneRenderer) -> None:
    pan, tilt, zoom = PRESETS[2]
    reference = renderer.render(pan, tilt, zoom)
    near = verify_preset(renderer.render(pan + 0.2, tilt, zoom), reference)
    assert near.passed
    assert near.offset[0] < 0  # the camera is right of the preset: the picture moved left
    assert abs(near.offset[1]) < 0.005
    far = verify_preset(renderer.render(pan + 3.0, tilt, zoom), reference)
    assert not far.passed
    assert abs(far.offset[0]) > MAX_SHIFT_FRACTION


async def test_visca_recall_verified_through_the_stream(tmp_path: Path) -> None:
    """Real VISCA packets move the simulated camera; its MJPEG stream is read by the
    production capture; references stored after CAM_Memory Set tell the presets apart."""
    profile = profile_for("srg-300h")
    camera = CameraSimulator(profile, power_transition_s=0.0)
    store = PresetStore(tmp_path)

    def send(request: messages.Request) -> None:
        assert camera.handle(request.to_bytes(1), time.monotonic())  # at least the ACK

    async def settle() -> None:
        assert await wait_until(lambda: not camera.state.moving)

    async with (
        VideoSimulator(visca_camera_view(camera), width=640, height=360) as sim,
        VideoSource(sim.url) as source,
    ):

        async def fresh_frame() -> np.ndarray:
            return await caught_up_frame(source, sim)  # the stream shows the new position

        for n, (pan, tilt, _zoom) in {1: PRESETS[2], 2: PRESETS[3]}.items():
            send(
                messages.pan_tilt_absolute(
                    profile.pan_from_degrees(pan),
                    profile.tilt_from_degrees(tilt),
                    profile.max_pan_speed,
                    profile.max_tilt_speed,
                )
            )
            await settle()
            send(messages.memory_set(n, profile.preset_encoding))
            await store.save(
                "cam1", n, await fresh_frame(), position={"pan_deg": pan, "tilt_deg": tilt}
            )
        send(messages.memory_recall(1, profile.preset_encoding))
        await settle()
        live = await fresh_frame()
        assert (await store.verify("cam1", 1, live)).passed
        assert not (await store.verify("cam1", 2, live)).passed
        # The camera's recall lands 6° off (VISCA simulator fault): the check notices.
        camera.faults.preset_offset = (300, 0)
        send(messages.memory_recall(2, profile.preset_encoding))
        await settle()
        off = await store.verify("cam1", 2, await fresh_frame())
        assert not off.passed
        assert abs(off.offset[0]) > MAX_SHIFT_FRACTION


async def test_store_layout_listing_and_delete(renderer: SceneRenderer, tmp_path: Path) -> None:
    store = PresetStore(tmp_path)
    frame = renderer.render(*PRESETS[1])
    ref = await store.save("video:cam1", 7, frame, position={"pan_deg": 0.0})
    assert ref.image_path == tmp_path / "video:cam1" / "preset-007.jpg"
    meta = json.loads((tmp_path / "video:cam1" / "preset-007.json").read_text())
    assert meta["preset"] == 7
    assert meta["position"] == {"pan_deg": 0.0}
    assert (meta["width"], meta["height"]) == (1280, 720)
    await store.save("video:cam1", 2, frame)
    assert await store.presets("video:cam1") == [2, 7]
    assert await store.presets("other") == []
    loaded = await store.load("video:cam1", 7)
    assert loaded.image.shape == frame.shape
    assert verify_preset(frame, loaded).passed  # survives the JPEG round trip
    assert await store.delete("video:cam1", 7)
    assert not await store.delete("video:cam1", 7)
    assert await store.presets("video:cam1") == [2]


async def test_missing_and_damaged_references_are_config_errors(
    renderer: SceneRenderer, tmp_path: Path
) -> None:
    store = PresetStore(tmp_path)
    with pytest.raises(ConfigError, match="no reference stored for preset 3"):
        await store.load("cam1", 3)
    await store.save("cam1", 3, renderer.render(*PRESETS[1]))
    meta = tmp_path / "cam1" / "preset-003.json"
    meta.write_text("{not json")
    with pytest.raises(ConfigError, match="damaged") as err:
        await store.load("cam1", 3)
    assert err.value.path == str(meta)
    meta.write_text(json.dumps({"created_at": "x", "width": 10, "height": 10}))
    with pytest.raises(ConfigError, match="differs"):
        await store.load("cam1", 3)
    (tmp_path / "cam1" / "preset-003.jpg").write_bytes(b"not an image")
    with pytest.raises(ConfigError, match="damaged"):
        await store.load("cam1", 3)


@pytest.mark.parametrize(
    ("camera_id", "preset"),
    [("../etc", 1), ("", 1), ("a/b", 1), ("cam", -1), ("cam", 256), ("cam", True)],
)
async def test_bad_ids_are_rejected(tmp_path: Path, camera_id: str, preset: int) -> None:
    with pytest.raises(ValueError, match=r"camera id|preset"):
        await PresetStore(tmp_path).load(camera_id, preset)


def test_bad_arguments(renderer: SceneRenderer) -> None:
    frame = renderer.render(*PRESETS[1])
    with pytest.raises(ValueError, match="method"):
        verify_preset(frame, frame, method="sift")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        verify_preset(np.zeros((0, 0, 3), np.uint8), frame)
    with pytest.raises(ValueError, match="BGR"):
        PresetStore("/tmp").save_sync("cam", 1, np.zeros((4, 4), np.uint8))
