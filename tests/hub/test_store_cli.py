"""``appliance hub`` administration commands against a real SQLite state directory:
create-admin (password from a file, too short refused), rooms import/add/list, an
enrolment token alone on stdout that enrols once; clear errors with a non-zero exit.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from appliance.cli.main import app
from appliance.hub.db.errors import EnrolmentRefused
from appliance.hub.settings import HubSettings
from appliance.hub.store import Store

PASSWORD = "mật khẩu quản trị 2026"  # noqa: S105 (test account)


def _hub(state: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, ["hub", *args, "--state-dir", str(state), "--lang", "en"], input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


def test_admin_rooms_and_token(tmp_path: Path) -> None:
    state = tmp_path / "state"
    pw_file = tmp_path / "pw"
    pw_file.write_text(PASSWORD + "\n", encoding="utf-8")
    code, out, _ = _hub(state, "create-admin", "quantri", "--password-file", str(pw_file))
    assert (code, out.strip()) == (0, "Administrator account quantri created")
    code, _, err = _hub(state, "create-admin", "ngan", "--password-stdin", stdin="short\n")
    assert code == 1
    assert "password shorter than" in err
    assert "short" not in err.replace("shorter", "")
    rooms = tmp_path / "rooms.yaml"
    rooms.write_text(
        "- {id: r01, name: Phòng một, district: D1}\n- {id: r02, name: Phòng hai, district: D2}\n",
        encoding="utf-8",
    )
    code, out, _ = _hub(state, "rooms", "import", str(rooms))
    assert (code, out.strip()) == (0, "Rooms imported: 2 added, 0 updated, 0 unchanged")
    code, out, _ = _hub(state, "rooms", "add", "r03", "--name", "Phòng ba", "--district", "D1")
    assert code == 0
    code, _, err = _hub(state, "rooms", "add", "r03", "--name", "x", "--district", "D1")
    assert (code, "exists already" in err) == (1, True)
    code, _, err = _hub(state, "rooms", "add", "bad id", "--name", "x", "--district", "D1")
    assert code == 2
    assert "id:" in err
    code, out, err = _hub(state, "rooms", "token", "r02", "--ttl-hours", "1")
    assert code == 0
    assert "One-time enrolment token for room r02" in err
    token = out.strip()
    assert len(token.splitlines()) == 1
    assert len(token) >= 32
    code, _, err = _hub(state, "rooms", "token", "ghost")
    assert (code, "Room ghost does not exist" in err) == (1, True)
    code, out, _ = _hub(state, "rooms", "list")
    assert [line.split("\t")[0] for line in out.splitlines()] == ["r01", "r02", "r03"]

    async def check() -> None:
        store = await Store.open(HubSettings(state_dir=state).database_url)
        try:
            secret = await store.enrol(token, "r02", "1")
            assert await store.room_for_secret(secret) == "r02"
            with pytest.raises(EnrolmentRefused):
                await store.enrol(token, "r02", "1")
            admins = [u.username for u in await store.list_users() if u.role == "admin"]
            assert admins == ["quantri"]
            assert [a.action for a in await store.list_audit(who="cli")][-1] == "user.create"
        finally:
            await store.close()

    asyncio.run(check())


def test_bad_rooms_file_imports_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    bad = tmp_path / "rooms.csv"
    bad.write_text("id,name,district\nr01,A,D1\n,B,D2\n", encoding="utf-8")
    code, _, err = _hub(state, "rooms", "import", str(bad))
    assert code == 1
    assert "line 3: id" in err
    code, _, err = _hub(state, "rooms", "import", str(tmp_path / "rooms.txt"))
    assert (code, "use a .csv, .yaml or .yml file" in err) == (1, True)
    code, out, _ = _hub(state, "rooms", "list")
    assert (code, out) == (0, "")
