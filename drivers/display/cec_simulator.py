"""A simulated HDMI-CEC TV behind a stand-in ``cec-client`` that prints the real output.

``CecClientSimulator(dir).install()`` writes an executable ``cec-client`` into ``dir``;
put ``dir`` first on ``PATH`` (or pass ``command=sim.command`` to ``CecDisplay``) and the
production code runs it exactly as it runs libCEC's tool: same argv, command on stdin,
the same lines and exit codes (see ``cec.py`` for the format, taken from libCEC's
``cec-client.cpp``). The TV's state lives in a JSON file beside the script, so a test or
the demo can change it (adapter unplugged, TV not answering, adapter hanging) between
runs, and every run is logged for assertions.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Final

_SCRIPT: Final = r"""
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
state_path = os.path.join(here, "cec-state.json")
with open(state_path) as f:
    state = json.load(f)
args = sys.argv[1:]
if "-l" in args or "--list-devices" in args:
    print("libCEC version: 6.0.2, simulated")
    print("Found devices: 1\n" if state["adapter"] else "Found devices: NONE")
    sys.exit(0)
port, i = None, 0
while i < len(args):
    if args[i] in ("-d", "--log-level", "-t", "--type", "-p", "--port", "-b", "--base", "-o"):
        i += 2
        continue
    if not args[i].startswith("-"):
        port = args[i]
    i += 1
line = sys.stdin.readline().strip()
with open(os.path.join(here, "cec-calls.jsonl"), "a") as log:
    log.write(json.dumps({"argv": args, "stdin": line, "pid": os.getpid()}) + "\n")
if state["hang_s"]:
    time.sleep(state["hang_s"])
if port is None and not state["adapter"]:
    print("autodetect FAILED", flush=True)
    sys.exit(1)
print("opening a connection to the CEC adapter...", flush=True)
if state["cannot_open"] or (port is not None and not state["adapter"]):
    print("unable to open the device on port %s" % (port or "RPI"), flush=True)
    sys.exit(1)
words = line.split()
cmd, arg = (words + ["", ""])[:2]
if cmd == "on":
    state["power"] = "in transition from standby to on" if state["transition"] else "on"
elif cmd == "standby":
    state["power"] = "in transition from on to standby" if state["transition"] else "standby"
elif cmd == "pow":
    print("power status: %s" % (state["power"] if state["tv_present"] else "unknown"), flush=True)
    if state["power"].startswith("in transition"):
        state["power"] = "on" if state["power"].endswith("to on") else "standby"
elif cmd:
    print("ERROR:   [            %d]\tunknown command '%s'" % (int(time.monotonic() * 1000), cmd))
with open(state_path, "w") as f:
    json.dump(state, f)
"""


class CecClientSimulator:
    """The stand-in ``cec-client`` and the TV state it reports."""

    def __init__(
        self,
        directory: Path,
        *,
        adapter: bool = True,
        power: str = "standby",
        tv_present: bool = True,
        transition: bool = False,
        hang_s: float = 0.0,
        cannot_open: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self._initial = {
            "adapter": adapter,
            "power": power,
            "tv_present": tv_present,
            "transition": transition,
            "hang_s": hang_s,
            "cannot_open": cannot_open,
        }

    @property
    def command(self) -> str:
        """Absolute path of the stand-in ``cec-client``."""
        return str(self.directory / "cec-client")

    def install(self) -> Path:
        """Write the script and the initial state; returns the directory for ``PATH``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        script = self.directory / "cec-client"
        script.write_text(f"#!{sys.executable}\n{_SCRIPT}", encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        self._write(dict(self._initial))
        (self.directory / "cec-calls.jsonl").write_text("", encoding="utf-8")
        return self.directory

    def set(
        self,
        *,
        adapter: bool | None = None,
        power: str | None = None,
        tv_present: bool | None = None,
        transition: bool | None = None,
        hang_s: float | None = None,
        cannot_open: bool | None = None,
    ) -> None:
        """Change the simulated hardware (takes effect on the next run)."""
        state = self.state()
        changes = {
            "adapter": adapter,
            "power": power,
            "tv_present": tv_present,
            "transition": transition,
            "hang_s": hang_s,
            "cannot_open": cannot_open,
        }
        state.update({k: v for k, v in changes.items() if v is not None})
        self._write(state)

    def state(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(
            (self.directory / "cec-state.json").read_text("utf-8")
        )
        return loaded

    @property
    def power(self) -> str:
        return str(self.state()["power"])

    def calls(self) -> list[dict[str, object]]:
        """Every run so far: ``argv`` (after the program name), ``stdin`` line, ``pid``."""
        text = (self.directory / "cec-calls.jsonl").read_text("utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def path_with_simulator(self, path: str | None = None) -> str:
        """``PATH`` with the simulator's directory first."""
        rest = os.environ.get("PATH", "") if path is None else path
        return f"{self.directory}{os.pathsep}{rest}" if rest else str(self.directory)

    def _write(self, state: dict[str, object]) -> None:
        (self.directory / "cec-state.json").write_text(json.dumps(state), encoding="utf-8")
