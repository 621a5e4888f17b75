"""``appliance hub serve`` as a process: TLS from --tls-cert/--tls-key (agents dial
wss:// trusting a private CA, plain ws:// is refused), SIGTERM ends it cleanly."""

from __future__ import annotations

import asyncio
import signal
import ssl
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage

from appliance.hub.db.records import RoomIn
from appliance.hub.settings import DB_FILE
from appliance.hub.simagent import SimAgent
from appliance.hub.store import Store
from tests.support.hub import STOP_TIMEOUT_S, enrol, free_port, hub_process, until
from tests.support.tls import self_signed


async def test_tls_link_and_sigterm(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, "hub")
    trust = ssl.create_default_context(cafile=str(cert))
    state, port = tmp_path / "hub", free_port()
    tls_args = ("--tls-cert", str(cert), "--tls-key", str(key))
    with hub_process(state, port, *tls_args, tls=trust) as proc:
        store = await Store.open(f"sqlite:///{state / DB_FILE}", upgrade=False)
        try:
            await store.add_room(RoomIn(id="r1", name="r1", district="d1"))
            secret = await enrol(f"https://127.0.0.1:{port}", store, "r1", tls=trust)
        finally:
            await store.close()
        agent = SimAgent("r1", secret, f"wss://127.0.0.1:{port}/api/v1/link", tls=trust)
        await agent.start()
        try:
            assert agent.welcomes[0].room_id == "r1"
            headers = {"Authorization": f"Bearer {secret}"}
            with pytest.raises(InvalidMessage):  # a TLS server answers no HTTP to plain text
                async with connect(
                    f"ws://127.0.0.1:{port}/api/v1/link", additional_headers=headers, open_timeout=5
                ):
                    pass
            async with httpx.AsyncClient(verify=True) as untrusting:
                with pytest.raises(httpx.ConnectError):
                    await untrusting.get(f"https://127.0.0.1:{port}/healthz")

            proc.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(proc.wait, STOP_TIMEOUT_S) == 0
            await until(lambda: agent.close_codes != [], 10)
            assert agent.close_codes[0] in (1001, 1012)  # going away / service restart
        finally:
            await agent.stop()
