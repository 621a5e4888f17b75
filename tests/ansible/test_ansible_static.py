"""ansible/ without running it: lint (production profile, offline), syntax, inventory.

- ``ansible-lint`` with ansible/.ansible-lint (profile production, offline, only
  ansible.builtin modules): any violation fails.
- ``ansible-playbook --syntax-check`` for every playbook.
- The inventory as Ansible itself reads it (``ansible-inventory --list``): 31 rooms, each
  in exactly one of the 27 district groups, with a name and a district; the hub API
  token only as a vault variable, and no vault file in git.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = ROOT / "ansible"
PLAYBOOKS = ("site.yml", "rollout.yml", "rollback.yml")
ROOMS = 31
DISTRICTS = 27
TOOL_TIMEOUT_S = 300


def _env() -> dict[str, str]:
    # The venv's bin first: ansible-lint warns when it finds ansible on another PATH.
    venv_bin = str(Path(sys.executable).parent)
    return dict(
        os.environ,
        PATH=f"{venv_bin}:{os.environ.get('PATH', '')}",
        ANSIBLE_LINT_SKIP_SCHEMA_UPDATE="1",
        ANSIBLE_LINT_NODEPS="1",
        ANSIBLE_LOCAL_TEMP=str(Path(os.environ.get("TMPDIR", "/tmp")) / "ansible-local"),
        NO_COLOR="1",
    )


def _tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} not found: `make venv` installs ansible-core and ansible-lint")
        return found
    return str(path)


def test_ansible_lint_production_profile_offline() -> None:
    proc = subprocess.run(
        [_tool("ansible-lint"), "--offline", "--nocolor", "-f", "pep8"],
        cwd=ANSIBLE_DIR,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_S,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "Profile 'production' was required, and it passed" in out, out[-2000:]


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_playbook_syntax(playbook: str) -> None:
    proc = subprocess.run(
        [_tool("ansible-playbook"), "--syntax-check", playbook],
        cwd=ANSIBLE_DIR,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"playbook: {playbook}" in proc.stdout


def test_inventory_has_the_31_rooms_by_district() -> None:
    proc = subprocess.run(
        [_tool("ansible-inventory"), "--list"],
        cwd=ANSIBLE_DIR,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    inv = json.loads(proc.stdout)
    hostvars = inv["_meta"]["hostvars"]
    districts = inv["rooms"]["children"]
    assert len(districts) == DISTRICTS
    seen: dict[str, str] = {}
    for group in districts:
        for host in inv[group]["hosts"]:
            assert host not in seen, f"{host} in {group} and {seen[host]}"
            seen[host] = group
    assert len(seen) == ROOMS
    district_names = set()
    for host in seen:
        hv = hostvars[host]
        assert hv["room_name"].startswith("Điểm cầu"), host
        assert hv["room_district"], host
        district_names.add(hv["room_district"])
        serials = [c["serial"] for c in hv["cameras"]]
        assert len(serials) == len(set(serials)) >= 1, host
    assert len(district_names) == DISTRICTS
    # The hub API token comes from the vault only.
    token_ref = hostvars["th-tinh-uy"]["hub_api_token"]
    assert token_ref == "{{ vault_hub_api_token }}"  # noqa: S105 (a reference, not a token)


def test_no_vault_file_or_token_in_git() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "ansible"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked, "ansible/ is not tracked"
    assert not [p for p in tracked if Path(p).name == "vault.yml"]
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "ansible/inventory/group_vars/all/vault.yml"], cwd=ROOT
    )
    assert ignored.returncode == 0, "vault.yml must be git-ignored"
