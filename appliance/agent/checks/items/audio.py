"""Audio items: microphones present / level / noise / clipping, speaker→microphone loopback.

    audio.<mic>.present    the configured name matches a sound device (looked up again now)
    audio.<mic>.level      MIC_LEVEL_S of room sound: digital silence (peak < MIC_SILENT_DBFS)
                           means a muted or dead microphone
    audio.<mic>.noise      the reading's noise floor against MIC_NOISE_*_DBFS
    audio.<spk>.present    the configured name matches an output device
    audio.<spk>.loopback   drivers.audio.loopback_test: a tone on the speaker heard by the
                           room's first microphone (frequency, level, SNR, latency)
    audio.<mic>.clipping   share of full-scale samples in the ambient reading and, where a
                           loopback ran on this microphone, while the test tone played — the
                           tone is the one known loud signal, so a gain set too high shows there

The loopback's own CLIPPING (and the DISTORTION that clipping causes) are reported by the
clipping item, so one fault gives one failing item. A microphone reading and a loopback
never overlap on one device (locks ``audio:<id>``); a loopback holds both of its devices.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from appliance.agent.checks.items.base import CheckItem, ItemContext
from appliance.agent.checks.model import Outcome, failed, passed, skipped, text, warned
from appliance.agent.checks.settings import CheckSettings
from drivers.errors import DeviceError

if TYPE_CHECKING:
    from appliance.agent.media import AudioEndpoint
    from appliance.agent.service import AgentService
    from drivers.audio import LevelReading, LoopbackResult


def plan(service: AgentService, settings: CheckSettings) -> list[CheckItem]:
    mics = service.audio.microphones
    speakers = service.audio.speakers
    items: list[CheckItem] = []
    for mic in mics:
        present, level = f"audio.{mic.id}.present", f"audio.{mic.id}.level"
        lock = (f"audio:{mic.id}",)
        hint = text("checks.audio.mic.hint", device=mic.id, name=mic.config.name)
        items += [
            CheckItem(present, "audio.present", "audio", mic.id,
                      functools.partial(_present, mic), resources=lock, error_hint=hint),
            CheckItem(level, "audio.level", "audio", mic.id, functools.partial(_level, mic),
                      resources=lock, requires=(present,), error_hint=hint),
            CheckItem(f"audio.{mic.id}.noise", "audio.noise", "audio", mic.id,
                      functools.partial(_noise, mic), requires=(level,)),
        ]  # fmt: skip
    hearer = mics[0] if mics else None
    for spk in speakers:
        present = f"audio.{spk.id}.present"
        hint = text("checks.audio.speaker.hint", device=spk.id, name=spk.config.name)
        items.append(
            CheckItem(present, "audio.present", "audio", spk.id, functools.partial(_present, spk),
                      resources=(f"audio:{spk.id}",), error_hint=hint)
        )  # fmt: skip
        loop_id = f"audio.{spk.id}.loopback"
        if hearer is None:
            items.append(
                CheckItem(
                    loop_id, "audio.loopback", "audio", spk.id, _no_microphone, requires=(present,)
                )
            )
            continue
        items.append(
            CheckItem(loop_id, "audio.loopback", "audio", spk.id,
                      functools.partial(_loopback, spk, hearer),
                      resources=(f"audio:{spk.id}", f"audio:{hearer.id}"),
                      requires=(present, f"audio.{hearer.id}.level"),
                      timeout_s=settings.loopback_timeout_s, error_hint=hint)
        )  # fmt: skip
    for mic in mics:
        loops = tuple(f"audio.{s.id}.loopback" for s in speakers) if mic is hearer else ()
        items.append(
            CheckItem(f"audio.{mic.id}.clipping", "audio.clipping", "audio", mic.id,
                      functools.partial(_clipping, mic, loops),
                      requires=(f"audio.{mic.id}.level",), after=loops)
        )  # fmt: skip
    return items


# -- items --------------------------------------------------------------------------------------


async def _present(endpoint: AudioEndpoint, ctx: ItemContext) -> Outcome:
    await endpoint.resolve()
    kind = "mic" if endpoint.kind == "microphone" else "speaker"
    if endpoint.device_name is None:
        return failed(
            text(f"checks.audio.{kind}.missing", device=endpoint.id, name=endpoint.config.name,
                 error=endpoint.last_error or "?"),
            text(f"checks.audio.{kind}.hint", device=endpoint.id, name=endpoint.config.name),
        )  # fmt: skip
    return passed(
        text("checks.audio.present.ok", device=endpoint.id, name=endpoint.device_name),
        device_name=endpoint.device_name,
    )


async def _level(mic: AudioEndpoint, ctx: ItemContext) -> Outcome:
    reading = await mic.level(ctx.settings.mic_level_s)
    ctx.stash(f"audio.{mic.id}.level", reading)
    values = _reading_values(reading)
    rms, peak = f"{reading.rms_dbfs:.1f}", f"{reading.peak_dbfs:.1f}"
    if reading.peak_dbfs < ctx.settings.mic_silent_dbfs:
        outcome = failed(
            text("checks.audio.level.silent", device=mic.id, peak=peak),
            text("checks.audio.level.hint", device=mic.id),
            **values,
        )
    else:
        outcome = passed(text("checks.audio.level.ok", device=mic.id, rms=rms, peak=peak), **values)
    outcome.evidence["levels"] = _levels_line(reading)
    return outcome


async def _noise(mic: AudioEndpoint, ctx: ItemContext) -> Outcome:
    reading = _reading(ctx, mic)
    floor = reading.noise_floor_dbfs
    if floor is None:
        return skipped(text("checks.audio.noise.short", device=mic.id))
    s = ctx.settings
    message = text("checks.audio.noise.level", device=mic.id, floor=f"{floor:.1f}")
    hint = text("checks.audio.noise.hint", device=mic.id)
    if floor >= s.mic_noise_fail_dbfs:
        return failed(message, hint, noise_floor_dbfs=floor, limit_fail_dbfs=s.mic_noise_fail_dbfs)
    if floor >= s.mic_noise_warn_dbfs:
        return warned(message, hint, noise_floor_dbfs=floor, limit_warn_dbfs=s.mic_noise_warn_dbfs)
    return passed(message, noise_floor_dbfs=floor, limit_warn_dbfs=s.mic_noise_warn_dbfs)


async def _loopback(spk: AudioEndpoint, mic: AudioEndpoint, ctx: ItemContext) -> Outcome:
    from drivers.audio import LoopbackIssue, LoopbackStatus

    result = await spk.loopback(mic)
    ctx.stash(f"audio.{spk.id}.loopback", result)
    values = _loopback_values(result, mic.id)
    hint = text("checks.audio.loopback.hint", device=spk.id, mic=mic.id)
    issues = set(result.issues)
    if LoopbackIssue.CLIPPING in issues:  # the clipping item reports it (and its distortion)
        issues -= {LoopbackIssue.CLIPPING, LoopbackIssue.DISTORTION}
    if result.status is LoopbackStatus.FAIL:
        issue = result.issues[0].value if result.issues else "not_heard"
        return failed(
            text(f"checks.audio.loopback.{issue}", device=spk.id, mic=mic.id, **_fmt_loop(result)),
            hint,
            **values,
        )
    if issues:
        names = ", ".join(sorted(i.value for i in issues))
        return warned(
            text(
                "checks.audio.loopback.weak",
                device=spk.id,
                mic=mic.id,
                issues=names,
                **_fmt_loop(result),
            ),
            hint,
            **values,
        )
    return passed(
        text("checks.audio.loopback.ok", device=spk.id, mic=mic.id, **_fmt_loop(result)), **values
    )


async def _no_microphone(ctx: ItemContext) -> Outcome:
    return skipped(text("checks.audio.loopback.no_mic"))


async def _clipping(mic: AudioEndpoint, loops: tuple[str, ...], ctx: ItemContext) -> Outcome:
    from drivers.audio import LoopbackResult

    reading = _reading(ctx, mic)
    ratios = {"ambient": reading.clipping_ratio}
    for loop_id in loops:
        result = ctx.get(loop_id, LoopbackResult)
        if result is not None:
            ratios[loop_id.split(".")[1]] = result.clipping_ratio
    worst_source, ratio = max(ratios.items(), key=lambda kv: kv[1])
    s = ctx.settings
    values: dict[str, str | int | float | bool] = {
        f"clipping_ratio_{k}": v for k, v in ratios.items()
    }
    values["limit_fail_ratio"] = s.mic_clipping_fail_ratio
    percent = f"{100 * ratio:.2f}"
    hint = text("checks.audio.clipping.hint", device=mic.id)
    if ratio > s.mic_clipping_fail_ratio:
        return failed(
            text("checks.audio.clipping.fail", device=mic.id, percent=percent, source=worst_source),
            hint,
            **values,
        )
    if ratio > s.mic_clipping_warn_ratio:
        return warned(
            text("checks.audio.clipping.fail", device=mic.id, percent=percent, source=worst_source),
            hint,
            **values,
        )
    return passed(text("checks.audio.clipping.ok", device=mic.id, percent=percent), **values)


# -- helpers ------------------------------------------------------------------------------------


def _reading(ctx: ItemContext, mic: AudioEndpoint) -> LevelReading:
    from drivers.audio import LevelReading

    reading = ctx.get(f"audio.{mic.id}.level", LevelReading)
    if reading is None:  # the level item passed but left nothing: an engine bug
        raise DeviceError(mic.id, "no level reading to judge", operation="check")
    return reading


def _levels_line(r: LevelReading) -> str:
    noise = "?" if r.noise_floor_dbfs is None else f"{r.noise_floor_dbfs:.1f}"
    return (
        f"rms {r.rms_dbfs:.1f} dBFS, peak {r.peak_dbfs:.1f} dBFS, noise floor {noise} dBFS, "
        f"clipping {100 * r.clipping_ratio:.3f} % over {r.seconds:.2f} s"
    )


def _reading_values(r: LevelReading) -> dict[str, str | int | float | bool]:
    values: dict[str, str | int | float | bool] = {
        "rms_dbfs": r.rms_dbfs,
        "peak_dbfs": r.peak_dbfs,
        "clipping_ratio": r.clipping_ratio,
        "seconds": r.seconds,
    }
    if r.noise_floor_dbfs is not None:
        values["noise_floor_dbfs"] = r.noise_floor_dbfs
    return values


def _loopback_values(r: LoopbackResult, mic_id: str) -> dict[str, str | int | float | bool]:
    values: dict[str, str | int | float | bool] = {
        "microphone": mic_id,
        "expected_hz": r.expected_hz,
    }
    for name in ("freq_hz", "level_dbfs", "snr_db", "latency_ms"):
        value = getattr(r, name)
        if value is not None:
            values[name] = float(value)
    values["noise_dbfs"] = r.noise_dbfs
    values["clipping_ratio"] = r.clipping_ratio
    return values


def _fmt_loop(r: LoopbackResult) -> dict[str, str]:
    def f(value: float | None, digits: int = 1) -> str:
        return "?" if value is None else f"{value:.{digits}f}"

    return {
        "freq": f(r.freq_hz, 0),
        "expected": f(r.expected_hz, 0),
        "level": f(r.level_dbfs),
        "snr": f(r.snr_db),
        "latency": f(r.latency_ms, 0),
    }
