"""Alerts: a real hub on loopback, simulated rooms on real links, a webhook receiver that
verifies the Standard Webhooks signature with the reference library, and a real SMTP
server (STARTTLS, login). Hold-downs, maintenance, resolve, acknowledge, /metrics, and a
receiver that is down while the hub restarts (delivered once when it comes back)."""

from __future__ import annotations

import base64
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from appliance.hub.alerts.config import AlertsConfig, load, parse
from appliance.hub.simagent import SimAgent
from drivers.errors import ConfigError
from tests.support.hub import HubHandle, agents, free_port, running_hub, until
from tests.support.receivers import SMTP_PASSWORD, SMTP_USER, SmtpServer, WebhookReceiver

__all__ = ["agents"]  # the fixture, re-exported for pytest

WAIT_S = 30.0
HOLD_S = 1.0


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _config(
    tmp: Path, hook_url: str, secret: str, smtp: SmtpServer | None = None, hold_s: float = HOLD_S
) -> Path:
    (tmp / "hook.secret").write_text(secret + "\n")
    text = f"""
[rules]
offline_hold_s = {hold_s}
device_hold_s = {hold_s}

[retry]
initial_s = 0.2
max_s = 1.0

[[webhook]]
name = "trung-tam"
url = "{hook_url}"
secret_file = "hook.secret"
"""
    if smtp is not None:
        (tmp / "smtp.password").write_text(SMTP_PASSWORD)
        text += f"""
[[email]]
name = "ky-thuat"
host = "127.0.0.1"
port = {smtp.port}
username = "{SMTP_USER}"
password_file = "smtp.password"
sender = "{SMTP_USER}"
to = ["kythuat@huyen.example.vn"]
ca_file = "{smtp.cert}"
"""
    path = tmp / "alerts.toml"
    path.write_text(text)
    return path


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path) as server:
        yield server


async def _link(
    hub: HubHandle, room_id: str, started: list[SimAgent], district: str = "A"
) -> SimAgent:
    secret = await hub.enrol_room(room_id, district=district)
    agent = SimAgent(room_id, secret, hub.link_url)
    started.append(agent)
    await agent.start()
    await until(lambda: hub.presence.is_online(room_id), WAIT_S)
    return agent


async def _relink(hub: HubHandle, old: SimAgent, started: list[SimAgent]) -> SimAgent:
    agent = SimAgent(old.room_id, old.secret, hub.link_url)
    started.append(agent)
    await agent.start()
    await until(lambda: hub.presence.is_online(old.room_id), WAIT_S)
    return agent


def _metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


async def test_offline_pages_after_the_hold_down_by_webhook_and_email_then_resolves(
    tmp_path: Path, agents: list[SimAgent], smtp: SmtpServer
) -> None:
    secret = _secret()
    with WebhookReceiver(secret) as hook:
        alerts = _config(tmp_path, hook.url, secret, smtp)
        async with running_hub(tmp_path / "hub", alerts_file=alerts) as hub:
            r1 = await _link(hub, "r1", agents)
            r2 = await _link(hub, "r2", agents)
            async with await hub.client("operator") as op:
                maint = await op.put("/api/v1/rooms/r2/maintenance", json={"on": True})
                assert maint.status_code == 200, maint.text
                await r2.stop()  # in maintenance: raises nothing
                await r1.stop()  # the agent dies
                await until(lambda: len(hook.received) >= 1, WAIT_S)
                await until(lambda: len(smtp.messages) >= 1, WAIT_S)

                firing = hook.bodies()[0]
                assert firing["status"] == "firing"
                assert firing["version"] == "4"
                alert = firing["alerts"][0]
                assert alert["labels"]["alertname"] == "RoomOffline"
                assert alert["labels"]["room"] == "r1"
                assert alert["labels"]["district"] == "A"
                assert alert["endsAt"] == "0001-01-01T00:00:00Z"
                assert "mất kết nối" in alert["annotations"]["summary"]
                headers = hook.received[0][0]
                assert headers["webhook-id"] == f"msg_appliance_alert_{alert['alert_id']}_firing"
                assert hook.rejected == []

                mail = smtp.messages[0]
                assert str(mail["Subject"]).startswith("[Cảnh báo] Điểm cầu r1 (A)")
                assert "Bắt đầu lúc" in mail.get_content()
                assert smtp.envelopes[0][1] == ["kythuat@huyen.example.vn"]
                assert smtp.logins  # it logged in, after STARTTLS (auth_require_tls)

                active = (await op.get("/api/v1/alerts")).json()
                assert [(a["room_id"], a["rule"], a["state"]) for a in active] == [
                    ("r1", "offline", "open")
                ]
                # The hold-down was kept: raised no sooner than HOLD_S after it began.
                assert active[0]["raised_at"] - active[0]["began_at"] >= HOLD_S

                await _relink(hub, r1, agents)  # the agent is back
                await until(lambda: len(hook.received) >= 2, WAIT_S)
                await until(lambda: len(smtp.messages) >= 2, WAIT_S)
                resolved = hook.bodies()[1]
                assert resolved["status"] == "resolved"
                assert resolved["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"
                assert str(smtp.messages[1]["Subject"]).startswith("[Đã khắc phục]")
                assert (await op.get("/api/v1/alerts")).json() == []
                history = (await op.get("/api/v1/alerts", params={"state": "all"})).json()
                assert [(a["room_id"], a["state"]) for a in history] == [("r1", "resolved")]

                text = (await op.get("/metrics")).text
                assert (
                    _metric(text, "appliance_hub_alerts_total", rule="offline", event="firing") == 1
                )
                assert (
                    _metric(text, "appliance_hub_alerts_total", rule="offline", event="resolved")
                    == 1
                )
                for channel in ("trung-tam", "ky-thuat"):
                    assert (
                        _metric(
                            text,
                            "appliance_hub_alert_deliveries_total",
                            channel=channel,
                            outcome="delivered",
                        )
                        == 2
                    )
    # Nothing for the room in maintenance, whose hold-down ended before r1's.
    assert {b["alerts"][0]["labels"]["room"] for b in hook.bodies()} == {"r1"}


async def test_a_replug_within_the_hold_down_pages_nobody_a_lost_device_does(
    tmp_path: Path, agents: list[SimAgent]
) -> None:
    secret = _secret()
    with WebhookReceiver(secret) as hook:
        alerts = _config(tmp_path, hook.url, secret, hold_s=3.0)
        async with running_hub(tmp_path / "hub", alerts_file=alerts) as hub:
            r1 = await _link(hub, "r1", agents)
            engine = hub.app.state.alerts
            key = ("r1", "device_lost", "cam1")
            cam = {"id": "cam1", "kind": "camera", "state": "disconnected", "last_error": "EIO"}
            await r1.emit("device", cam)
            await until(lambda: key in engine.pending, WAIT_S)
            await r1.emit("device", {**cam, "state": "ready", "last_error": None})  # replugged
            await until(lambda: key not in engine.pending, WAIT_S)
            async with await hub.client("operator") as op:
                assert (await op.get("/api/v1/alerts", params={"state": "all"})).json() == []

                await r1.emit("device", cam)  # unplugged for good
                await until(lambda: len(hook.received) >= 1, WAIT_S)
                labels = hook.bodies()[0]["alerts"][0]["labels"]
                assert (labels["alertname"], labels["device"]) == ("DeviceLost", "cam1")
                await r1.emit("device", {**cam, "state": "ready", "last_error": None})
                await until(lambda: len(hook.received) >= 2, WAIT_S)
                assert hook.bodies()[1]["status"] == "resolved"


async def test_acknowledge_roles_and_scope(tmp_path: Path, agents: list[SimAgent]) -> None:
    async with running_hub(tmp_path / "hub") as hub:
        r1 = await _link(hub, "r1", agents, district="A")
        await r1.emit(
            "check.result",
            {
                "run_id": "x",
                "overall": "fail",
                "status": "finished",
                "results": [{"id": "audio.mic1.level", "status": "fail"}],
            },
        )
        async with (
            await hub.client("operator") as op,
            await hub.client("technician", districts=("B",)) as other,
            await hub.client("technician", districts=("A",)) as tech,
            await hub.client("viewer") as viewer,
        ):
            await until(lambda: _has_alert(op), WAIT_S)
            alert = (await op.get("/api/v1/alerts")).json()[0]
            assert (alert["rule"], alert["severity"]) == ("check_failed", "warning")
            assert alert["data"]["failed_items"] == ["audio.mic1.level"]
            url = f"/api/v1/alerts/{alert['id']}/ack"
            assert (await other.get("/api/v1/alerts")).json() == []
            assert (await other.post(url)).status_code == 404
            assert (await viewer.post(url)).status_code == 403
            acked = await tech.post(url)
            assert acked.status_code == 200, acked.text
            assert acked.json()["state"] == "acknowledged"
            assert acked.json()["acked_by"].startswith("technician")
            again = await op.post(url)
            assert again.status_code == 409
            assert "không còn mở" in again.json()["message"]
            audit = (await op.get("/api/v1/audit", params={"action": "alert.ack"})).json()
            assert len(audit) == 1
            # A passing check resolves it.
            await r1.emit(
                "check.result",
                {"run_id": "y", "overall": "pass", "status": "finished", "results": []},
            )
            await until(lambda: _no_active(op), WAIT_S)
        async with httpx.AsyncClient(base_url=hub.base_url) as anonymous:
            assert (await anonymous.get("/api/v1/alerts")).status_code == 401


async def _has_alert(client: httpx.AsyncClient) -> bool:
    return bool((await client.get("/api/v1/alerts")).json())


async def _no_active(client: httpx.AsyncClient) -> bool:
    return (await client.get("/api/v1/alerts")).json() == []


async def test_a_receiver_down_across_a_hub_restart_gets_the_alert_once(
    tmp_path: Path, agents: list[SimAgent]
) -> None:
    secret = _secret()
    port = free_port()
    alerts = _config(tmp_path, f"http://127.0.0.1:{port}/hook", secret)
    async with running_hub(tmp_path / "hub", alerts_file=alerts) as hub:
        r1 = await _link(hub, "r1", agents)
        await r1.stop()
        # Raised, and its delivery failed at least twice (nothing listens on the port).
        await until(lambda: _failed_attempts(hub, 2), WAIT_S)
    agents.clear()

    async with running_hub(tmp_path / "hub", alerts_file=alerts) as hub:
        with WebhookReceiver(secret, port) as hook:
            await until(lambda: len(hook.received) >= 1, WAIT_S)
            # The outbox is empty: nothing more will be sent.
            await until(lambda: _outbox_empty(hub), WAIT_S)
            counts = await hub.store.delivery_counts()
            assert counts == {("trung-tam", "delivered"): 1}
            assert len(hook.received) == 1
            body = hook.bodies()[0]
            assert (body["status"], body["alerts"][0]["labels"]["room"]) == ("firing", "r1")


async def _failed_attempts(hub: HubHandle, n: int) -> bool:
    text = hub.links.metrics.registry
    from prometheus_client import generate_latest

    value = _metric(
        generate_latest(text).decode(),
        "appliance_hub_alert_deliveries_total",
        channel="trung-tam",
        outcome="failed",
    )
    return value >= n


async def _outbox_empty(hub: HubHandle) -> bool:
    return await hub.store.next_delivery_at() is None


# -- configuration ------------------------------------------------------------------------


def test_a_broken_alerts_file_is_refused_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "s").write_text("whsec_c2hvcnQ=")  # 5 bytes: too short a key
    cases: list[tuple[dict[str, Any], str]] = [
        ({"rules": {"offline_hold_s": -1}}, "rules.offline_hold_s"),
        ({"retry": {"initial_s": 10, "max_s": 1}}, "retry.max_s"),
        ({"webhook": [{"name": "a", "url": "ftp://x", "secret_file": "s"}]}, "webhook[0].url"),
        ({"webhook": [{"name": "a", "url": "http://x"}]}, "webhook[0].secret_file"),
        ({"webhook": [{"name": "a", "url": "http://x", "secret_file": "s"}]}, "24 bytes"),
        ({"email": [{"name": "m", "host": "h", "sender": "a@b", "to": "x"}]}, "email[0].to"),
        (
            {
                "email": [
                    {
                        "name": "m",
                        "host": "h",
                        "sender": "a@b",
                        "to": ["a@b"],
                        "username": "u",
                        "password_file": "s",
                        "starttls": False,
                    }
                ]
            },
            "email[0].starttls",
        ),
        ({"alerts": {}}, "unknown sections"),
    ]
    for data, needle in cases:
        with pytest.raises(ConfigError, match=needle.replace("[", r"\[").replace("]", r"\]")):
            parse(data, path="alerts.toml", base=tmp_path)
    assert parse({}, path="alerts.toml", base=tmp_path) == AlertsConfig()
    bad = tmp_path / "bad.toml"
    bad.write_text("[rules\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(bad)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "appliance",
            "hub",
            "serve",
            "--state-dir",
            str(tmp_path / "st"),
            "--listen",
            "127.0.0.1:0",
            "--alerts",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "bad.toml" in proc.stderr
    assert "not valid TOML" in proc.stderr
