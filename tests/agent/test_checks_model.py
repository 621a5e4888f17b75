"""Readiness check, the parts without devices: health rollup, history on disk, texts, report."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.agent.checks.history import HistoryStore
from appliance.agent.checks.model import (
    CheckProgress,
    CheckResult,
    CheckRun,
    CheckStatus,
    Health,
    RunStatus,
    worst,
)
from appliance.agent.checks.report import exit_code, summarise_values
from appliance.agent.checks.rollup import rollup
from appliance.i18n import has, t

CHECKS_SOURCE = Path(__file__).resolve().parents[2] / "appliance" / "agent" / "checks"


def _result(status: str, device: str | None = "cam1", ident: str = "x") -> CheckResult:
    return CheckResult(ident, ident, device, CheckStatus(status), values={"v": 1.5})


def _run(run_id: str, *statuses: str) -> CheckRun:
    return CheckRun(
        run_id,
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        finished_at=datetime(2026, 1, 2, 3, 4, 9, tzinfo=UTC),
        status=RunStatus.DONE,
        progress=CheckProgress(len(statuses), len(statuses)),
        results=[_result(s, ident=f"i{n}") for n, s in enumerate(statuses)],
        overall=worst(CheckStatus(s) for s in statuses),
        health=Health.HEALTHY,
    )


# -- rollup ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "kwargs", "expected"),
    [
        (None, {}, Health.UNKNOWN),
        ([], {}, Health.UNKNOWN),
        (["pass", "skip"], {}, Health.HEALTHY),
        (["pass", "warn"], {}, Health.WARNING),
        (["pass", "warn", "fail"], {}, Health.ERROR),
        (["pass"], {"broken_devices": 1}, Health.WARNING),
        (["fail"], {"broken_devices": 3}, Health.ERROR),
        (["fail"], {"maintenance": True}, Health.MAINTENANCE),
        (["pass"], {"age_s": 100.0, "max_age_s": 50.0}, Health.UNKNOWN),
        (["pass"], {"age_s": 10.0, "max_age_s": 50.0}, Health.HEALTHY),
    ],
)
def test_rollup_precedence(
    statuses: list[str] | None, kwargs: dict[str, object], expected: Health
) -> None:
    results = None if statuses is None else [_result(s) for s in statuses]
    assert rollup(results, **kwargs) is expected  # type: ignore[arg-type]


def test_rollup_offline_needs_every_device_of_two_or_more_failing() -> None:
    every_device_down = [
        _result("fail", "cam1", "a"),
        _result("fail", "mic1", "b"),
        _result("skip", "cam1", "c"),  # blocked items do not count
        _result("pass", None, "system.disk"),  # the PC itself is not a room device
    ]
    assert rollup(every_device_down) is Health.OFFLINE
    one_device_works = [*every_device_down, _result("pass", "main", "d")]
    assert rollup(one_device_works) is Health.ERROR
    single_device = [_result("fail", "cam1", "a")]
    assert rollup(single_device) is Health.ERROR


def test_worst_orders_fail_warn_pass_skip() -> None:
    assert worst([CheckStatus.PASS, CheckStatus.SKIP]) is CheckStatus.PASS
    assert worst([CheckStatus.WARN, CheckStatus.PASS, CheckStatus.FAIL]) is CheckStatus.FAIL
    assert worst([]) is CheckStatus.SKIP


# -- history -------------------------------------------------------------------------------


def test_run_json_round_trip_keeps_everything() -> None:
    run = _run("20260102T030405Z-abcdef", "pass", "warn")
    run.results[0].evidence["snapshot"] = "/x/y.jpg"
    run.results[0].message = {"vi": "Được", "en": "OK"}
    run.results[1].values = {"nan": float("nan"), "flag": True, "n": 3, "s": "text"}
    raw = json.loads(json.dumps(run.to_json()))
    back = CheckRun.from_json(raw)
    assert back.run_id == run.run_id
    assert back.started_at == run.started_at
    assert back.finished_at == run.finished_at
    assert back.overall is CheckStatus.WARN
    assert back.health is Health.HEALTHY
    assert back.results[0].evidence == {"snapshot": "/x/y.jpg"}
    assert back.results[0].message == {"vi": "Được", "en": "OK"}
    assert back.results[1].values == {"nan": "nan", "flag": True, "n": 3, "s": "text"}


def test_history_is_bounded_and_drops_evidence_of_old_runs(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "checks", max_runs=3)
    ids = [f"2026010{i}T000000Z-00000{i}" for i in range(1, 6)]
    for run_id in ids:
        evidence = store.evidence_dir(run_id)
        evidence.mkdir(parents=True)
        (evidence / "video.cam1.jpg").write_bytes(b"\xff\xd8")
        store.append(_run(run_id, "pass"))
    kept = store.load()
    assert [r.run_id for r in kept] == ids[-3:]
    assert len(store.path.read_text(encoding="utf-8").splitlines()) == 3
    assert not store.evidence_dir(ids[0]).exists()
    assert not store.evidence_dir(ids[1]).exists()
    assert (store.evidence_dir(ids[-1]) / "video.cam1.jpg").is_file()


def test_history_skips_a_damaged_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = HistoryStore(tmp_path, max_runs=10)
    store.append(_run("20260101T000000Z-aaaaaa", "pass"))
    with store.path.open("a", encoding="utf-8") as f:
        f.write('{"run_id": "half a line written at a power cut\n')
    store.append(_run("20260101T000001Z-bbbbbb", "fail"))
    runs = store.load()
    assert [r.run_id for r in runs] == ["20260101T000000Z-aaaaaa", "20260101T000001Z-bbbbbb"]
    assert "line 2 skipped" in caplog.text


def test_history_rejects_a_run_id_that_is_a_path(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path, max_runs=2)
    with pytest.raises(ValueError, match="bad run id"):
        store.evidence_dir("../../etc")


# -- texts -----------------------------------------------------------------------------------


def test_every_text_key_in_the_engine_exists_in_both_languages() -> None:
    literal = re.compile(r'"(checks\.[a-z_.]+[a-z_])"')
    keys: set[str] = set()
    for path in CHECKS_SOURCE.rglob("*.py"):
        keys |= set(literal.findall(path.read_text(encoding="utf-8")))
    cli = CHECKS_SOURCE.parents[1] / "cli" / "check.py"
    keys |= set(literal.findall(cli.read_text(encoding="utf-8")))
    # Keys built at run time: the video findings the driver reports, loopback failures,
    # device kinds, statuses and health words.
    from drivers.audio import LoopbackIssue

    for check, findings in {
        "black": ("ok", "black"),
        "frozen": ("ok", "repeated", "frozen", "no_previous", "no_picture"),
        "focus": ("ok", "soft", "blurred", "no_picture"),
        "exposure": ("ok", "dark", "bright", "under", "over", "no_picture"),
    }.items():
        keys |= {f"checks.video.{check}.{f}" for f in findings} | {f"checks.video.{check}.hint"}
    keys |= {
        f"checks.audio.loopback.{i.value}"
        for i in LoopbackIssue
        if i.value in ("silence", "not_heard", "wrong_frequency")
    }
    keys |= {f"checks.audio.{k}.{w}" for k in ("mic", "speaker") for w in ("hint", "missing")}
    keys |= {f"checks.health.{h.value}" for h in Health}
    keys |= {f"status.{s.value}" for s in CheckStatus}
    assert len(keys) > 100
    missing = sorted(k for k in keys if not has(k))
    assert not missing, f"texts missing: {missing}"
    for key in keys:
        vi, en = t(key, "vi"), t(key, "en")
        assert vi
        assert en
        assert vi != key


def test_video_findings_are_the_drivers_codes() -> None:
    """The picture items turn driver codes ``video.<check>.<finding>`` into text keys; a code
    the driver can produce must have a text (read from the driver's own source)."""
    source = (Path(__file__).resolve().parents[2] / "drivers" / "video" / "analysis.py").read_text()
    codes = set(re.findall(r'"video\.(black|frozen|focus|exposure)\.([a-z_]+)"', source))
    assert len(codes) >= 12
    for check, finding in codes:
        assert has(f"checks.video.{check}.{finding}"), (check, finding)


def test_vietnamese_hint_names_the_cable_and_says_run_again() -> None:
    hint = t("checks.camera.hint.serial", "vi", device="cam1", port="/dev/visca/cam1")
    assert hint == (
        "Kiểm tra cáp RS-232 (/dev/visca/cam1) và nguồn camera cam1, rồi chạy lại kiểm tra"
    )


# -- report ----------------------------------------------------------------------------------


def test_exit_codes_and_value_summary() -> None:
    assert [exit_code(s) for s in ("pass", "skip", None, "warn", "fail")] == [0, 0, 0, 1, 2]
    assert summarise_values({"limit_x": 1, "score": 0.91234, "n": 3, "z": 1}) == "score=0.912\nn=3"
    assert summarise_values({"ok": True, "rms_dbfs": -41.26}) == "ok=true\nrms_dbfs=-41.3"
