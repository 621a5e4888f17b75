"""The hub role's alerts.toml template, rendered by a real ``ansible-playbook``, is a file
the hub's own loader accepts, with every channel the inventory names."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

from appliance.hub.alerts.config import load

ANSIBLE_DIR = Path(__file__).resolve().parents[2] / "ansible"
TEMPLATE = ANSIBLE_DIR / "roles" / "appliance_hub" / "templates" / "alerts.toml.j2"

PLAY = """---
- name: Render the hub's alerts configuration
  hosts: localhost
  gather_facts: false
  vars:
    appliance_hub_alert_offline_hold_s: 90
    appliance_hub_alert_device_hold_s: 20
    appliance_hub_alert_webhooks:
      - {name: trung-tam, url: "https://noc.tinh.example.vn/hook"}
    appliance_hub_alert_emails:
      - name: ky-thuat
        host: mail.tinh.example.vn
        port: 587
        username: hub@tinh.example.vn
        sender: hub@tinh.example.vn
        to: [kythuat@tinh.example.vn, trucban@tinh.example.vn]
      - {name: lanh-dao, host: mail.tinh.example.vn, port: 25, sender: hub@tinh.example.vn,
         to: [vanphong@tinh.example.vn], lang: en}
  tasks:
    - name: Render
      ansible.builtin.template:
        src: "{{ template }}"
        dest: "{{ dest }}"
        mode: "0640"
"""


def test_the_rendered_alerts_file_loads(tmp_path: Path) -> None:
    (tmp_path / "play.yml").write_text(PLAY)
    dest = tmp_path / "etc" / "alerts.toml"
    dest.parent.mkdir()
    secrets = dest.parent / "alerts"
    secrets.mkdir()
    (secrets / "trung-tam.secret").write_text(
        "whsec_" + base64.b64encode(os.urandom(32)).decode() + "\n"
    )
    (secrets / "ky-thuat.password").write_text("mat-khau")
    venv_bin = Path(sys.executable).parent
    proc = subprocess.run(
        [
            str(venv_bin / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"template={TEMPLATE} dest={dest}",
            str(tmp_path / "play.yml"),
        ],
        cwd=ANSIBLE_DIR,
        env=dict(
            os.environ,
            PATH=f"{venv_bin}:{os.environ.get('PATH', '')}",
            ANSIBLE_CONFIG=str(ANSIBLE_DIR / "ansible.cfg"),
            ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"),
            ANSIBLE_NOCOLOR="1",
        ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    config = load(dest)
    assert (config.rules.offline_hold_s, config.rules.device_hold_s) == (90.0, 20.0)
    assert [w.name for w in config.webhooks] == ["trung-tam"]
    assert len(config.webhooks[0].secret) == 32
    first, second = config.emails
    assert (first.name, first.username, first.password) == (
        "ky-thuat",
        "hub@tinh.example.vn",
        "mat-khau",
    )
    assert first.to == ("kythuat@tinh.example.vn", "trucban@tinh.example.vn")
    assert (second.name, second.port, second.username, second.lang) == ("lanh-dao", 25, None, "en")
