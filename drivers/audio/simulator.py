"""Room-audio simulator: a throwaway PulseAudio server with a speaker and a microphone in one room.

A product feature (``appliance agent --simulate``, ``make demo``, training) that the tests
use too. Topology inside the server (PLATFORM.md Media 1 recipe, user mode, temp dir):

    "Room Speaker" ─▶ room_speaker (remap sink) ─▶ room (null sink = the air of the room)
             room noise (50 Hz hum), test tones ─▶ toneN (remap sink, sets the level) ─▶ room
    room.monitor ─▶ room_mic (remap source) ─▶ "Room Mic"

so whatever the speaker plays reaches the microphone through the real sound path. Faults
(what the readiness check must catch): a silent microphone (``room_mic`` muted), a clipping
microphone (``room_mic`` gain raised), a speaker that is not heard (``room_speaker`` muted).

Why named ALSA PCMs: PortAudio only lists ``pulse`` and ``default`` for PulseAudio, so the
room's devices could not be chosen by name. An ALSA config (``ALSA_CONFIG_PATH``, our file
after the system's) defines ``pcm."Room Speaker"`` / ``pcm."Room Mic"`` as ``type pulse`` PCMs
bound to this server, playback- or capture-only (``type asym``), with hints — PortAudio then
lists them under those names, just like real USB devices. The alternative (PULSE_SINK /
PULSE_SOURCE set at stream-open time) mutates the process environment per stream and does
not make names visible to ``list_devices()``.

Quirk this module works around: PulseAudio's null sink renders in 2 s blocks while no
client asks for low latency (module-null-sink ``BLOCK_USEC``), so a new recording stream
waited 0.5–2 s for its first block. A permanent 100 ms ``module-loopback`` from the room's
monitor into a second null sink keeps the room rendering in short blocks, and suspending and
resuming the room sink once at start restarts its clock so it leaves the initial 2 s block
at once: the first microphone block then arrives in 30–60 ms.

**Shared server** (the demo province: 31 rooms on 2 cores): :class:`SharedAudioServer`
runs one bare PulseAudio; each room's ``RoomAudioSimulator(server=..., prefix="r07_")``
builds the same topology inside it under its own names (``r07_room``, ``r07_room_mic`` …)
and its ALSA aliases keep the names ``Room Speaker`` / ``Room Mic``, so each agent sees a
room of its own; ``stop()`` unloads that room's modules and leaves the server running.

All methods block briefly (a ``pactl`` call is ~5–10 ms; start ~0.1 s); async callers use
``asyncio.to_thread`` — except ``start()``: call it from a long-lived thread (the main one),
because the server is tied to the thread that started it (see ``start``). ``python -m drivers.audio.simulator`` runs one in the foreground.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from drivers.audio import _prereq, _sd
from drivers.audio._prereq import need_alsa_pulse_plugin, need_binary
from drivers.audio.aliases import AlsaPulseAlias, alsa_config_path_with, alsa_pulse_config
from drivers.errors import DeviceTimeoutError, DeviceUnavailableError

log = logging.getLogger(__name__)

SIM_ID: Final = _prereq.SIM_ID
SPEAKER_NAME: Final = "Room Speaker"
MIC_NAME: Final = "Room Mic"
SAMPLE_RATE_HZ: Final = 48_000
ROOM_NOISE_DBFS: Final = -60.0  # peak level of the room's hum at the microphone
ROOM_NOISE_HZ: Final = 50  # mains hum (Vietnam: 50 Hz); module-sine takes whole Hz only
CLIPPING_GAIN_DB: Final = 20.0  # "gain too high" fault: a -6 dBFS tone arrives at +14 dBFS
KEEPALIVE_LATENCY_MS: Final = 100  # 20 ms: 1.5–2 % of a core idle; 100 ms: 0.6 %, start-up 58 ms
# module-loopback (PulseAudio ≥ 13): a buffer this far off its latency is brought back at
# once (samples dropped) instead of by resampling a fraction of a percent faster. In the
# 31-room demo a start-up at load 70 left loopbacks 17 s behind; slewing back, their
# resamplers kept the shared server at 0.5–0.8 of a core for minutes after the first check.
KEEPALIVE_SNAP_MS: Final = 300
START_TIMEOUT_S: Final = 5.0
STOP_TIMEOUT_S: Final = 5.0
PACTL_TIMEOUT_S: Final = 5.0
# A server busy for a moment refuses new connections once its listen backlog is full
# (PulseAudio's socket server listens with a backlog of 5: the 7th waiting pactl got
# "Connection failure: Connection refused" with the server stopped — measured). In the
# demo 31 rooms build themselves at once; a refused pactl did nothing on the server, so
# it is tried again: 0.05 s, doubling, PACTL_CONNECT_TRIES times (3.15 s in all).
PACTL_CONNECT_TRIES: Final = 7
PACTL_CONNECT_BACKOFF_S: Final = 0.05
_PACTL_REFUSED: Final = "Connection refused"
SHARED_SERVER_NOFILE: Final = 8192  # daemon.conf rlimit-nofile for the shared server
_MODULE_SINE_AMPLITUDE: Final = 0.5  # module-sine.c writes 0.5·sin at 100 % volume
_PA_VOLUME_NORM: Final = 0x10000  # pulse/volume.h; software volume is cubic in linear gain


@dataclass(frozen=True)
class _Tone:
    sine: int  # module-sine's module index (the handle callers get)
    remap: int  # the remap sink that sets its level


class RoomAudioSimulator:
    """One simulated room: start it, ``activate()`` it in this process, inject faults, stop it."""

    def __init__(
        self,
        *,
        speaker_name: str = SPEAKER_NAME,
        mic_name: str = MIC_NAME,
        room_noise_dbfs: float | None = ROOM_NOISE_DBFS,
        base_dir: str | Path | None = None,
        start_timeout_s: float = START_TIMEOUT_S,
        server: str | None = None,
        prefix: str = "",
    ) -> None:
        if prefix and not prefix.replace("_", "").isalnum():
            raise ValueError(f"prefix must be letters, digits and '_', got {prefix!r}")
        self.speaker_name = speaker_name
        self.mic_name = mic_name
        self.room_noise_dbfs = room_noise_dbfs
        self._base_dir = base_dir
        self._start_timeout_s = start_timeout_s
        self.dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._pactl = ""
        self._noise_module: _Tone | None = None
        self._tones: dict[int, _Tone] = {}
        self._serial = 0
        self._saved_env: dict[str, str | None] | None = None
        self._shared_server = server  # "unix:/…/native" of a SharedAudioServer, or None
        self._prefix = prefix
        self._modules: list[int] = []  # shared mode: this room's modules, unloaded at stop
        self._attached = False

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        if self._shared_server is not None:
            return self._attached
        return self._proc is not None and self._proc.poll() is None

    @property
    def server(self) -> str:
        if self._shared_server is not None:
            return self._shared_server
        return f"unix:{self._require_dir() / 'native'}"

    @property
    def alsa_config(self) -> Path:
        return self._require_dir() / "asound.conf"

    def env(self) -> dict[str, str]:
        """Environment for a process that should use this room (also what activate() sets)."""
        return {
            "PULSE_SERVER": self.server,
            "ALSA_CONFIG_PATH": alsa_config_path_with(self.alsa_config, os.environ),
        }

    def start(self) -> None:
        """Start the server and build the room; raise ``DeviceUnavailableError`` if impossible.

        The server lives as long as the thread that calls this (PR_SET_PDEATHSIG): call it
        from the main thread or another long-lived one, not from a short-lived worker.
        """
        if self.running:
            return
        if self._shared_server is None:
            pulseaudio = need_binary("pulseaudio")
        self._pactl = need_binary("pactl")
        need_alsa_pulse_plugin()
        self.dir = Path(tempfile.mkdtemp(prefix="room-audio-", dir=self._base_dir))
        (self.dir / "home").mkdir()
        self.alsa_config.write_text(
            alsa_pulse_config(
                [
                    AlsaPulseAlias(
                        self.speaker_name, self._n("room_speaker"), "output", self.server
                    ),
                    AlsaPulseAlias(self.mic_name, self._n("room_mic"), "input", self.server),
                ]
            ),
            encoding="utf-8",
        )
        if self._shared_server is not None:
            self._attach()
            return
        script = self.dir / "room.pa"
        script.write_text(self._server_script(), encoding="utf-8")
        self._proc = _spawn_pulseaudio(pulseaudio, self.dir, script)
        try:
            self._wait_ready()
            if self.room_noise_dbfs is not None:
                self._noise_module = self._load_sine(ROOM_NOISE_HZ, self.room_noise_dbfs)
        except BaseException:
            self.stop()
            raise
        log.info("room audio simulator up: pid %s, %s", self.pid, self.server)

    def stop(self) -> None:
        """Deactivate, stop the server (by PID, ours only) and remove its directory; in
        shared mode, unload this room's modules and leave the server to its owner."""
        self.deactivate()
        if self._attached:
            for index in reversed(self._tones_and_modules()):
                with contextlib.suppress(DeviceUnavailableError, DeviceTimeoutError):
                    self._run("unload-module", str(index))
            self._attached = False
            self._modules.clear()
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT_S)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        self._noise_module = None
        self._tones.clear()

    def activate(self) -> None:
        """Point this process's sound stack at the room and rescan devices (no stream may be open).

        Again on an active room: the environment is put back if another simulator in this
        process changed it since (activations that do not nest, e.g. a session-wide room and
        a module's own one, leave the process pointing at the wrong server otherwise).
        """
        new = self.env()
        if self._saved_env is None:
            self._saved_env = {k: os.environ.get(k) for k in new}
        elif all(os.environ.get(k) == v for k, v in new.items()):
            return
        os.environ.update(new)
        _sd.reinitialize()

    def deactivate(self) -> None:
        """Restore the environment from before :meth:`activate` and rescan."""
        saved, self._saved_env = self._saved_env, None
        if saved is None:
            return
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _sd.reinitialize()

    def __enter__(self) -> RoomAudioSimulator:
        self.start()
        try:
            self.activate()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- faults and signals --------------------------------------------------------------

    def set_microphone_silent(self, silent: bool = True) -> None:
        """Fault: the microphone delivers digital silence (muted, unplugged capsule)."""
        self._run("set-source-mute", self._n("room_mic"), "1" if silent else "0")

    def set_microphone_gain(self, gain_db: float) -> None:
        """Microphone gain relative to unity (``CLIPPING_GAIN_DB`` makes the test tone clip)."""
        self._run("set-source-volume", self._n("room_mic"), str(_pa_volume(gain_db)))

    def set_microphone_clipping(self, clipping: bool = True) -> None:
        """Fault: gain so high that the test tone clips."""
        self.set_microphone_gain(CLIPPING_GAIN_DB if clipping else 0.0)

    def set_speaker_heard(self, heard: bool) -> None:
        """Fault (``heard=False``): the speaker plays but nothing reaches the room (amp off)."""
        self._run("set-sink-mute", self._n("room_speaker"), "0" if heard else "1")

    def set_room_noise(self, level_dbfs: float | None) -> None:
        """Change the hum's peak level at the microphone, or remove it (None)."""
        if self._noise_module is not None:
            self._unload_tone(self._noise_module)
            self._noise_module = None
        self.room_noise_dbfs = level_dbfs
        if level_dbfs is not None:
            self._noise_module = self._load_sine(ROOM_NOISE_HZ, level_dbfs)

    def play_tone(self, freq_hz: int, level_dbfs: float) -> int:
        """A steady sine in the room at a known peak level (server-side, independent of us)."""
        tone = self._load_sine(freq_hz, level_dbfs)
        self._tones[tone.sine] = tone
        return tone.sine

    def stop_tone(self, handle: int) -> None:
        tone = self._tones.pop(handle, None)
        if tone is not None:
            self._unload_tone(tone)

    def reset_faults(self, room_noise_dbfs: float | None = ROOM_NOISE_DBFS) -> None:
        """Back to a healthy room: mic unmuted at unity gain, speaker heard, no extra tones."""
        self.set_microphone_silent(False)
        self.set_microphone_gain(0.0)
        self.set_speaker_heard(True)
        for handle in list(self._tones):
            self.stop_tone(handle)
        if room_noise_dbfs != self.room_noise_dbfs:
            self.set_room_noise(room_noise_dbfs)

    # -- internals -----------------------------------------------------------------------

    def _n(self, name: str) -> str:
        """A sink/source/module name of this room (prefixed on a shared server)."""
        return f"{self._prefix}{name}"

    def _room_modules(self) -> list[tuple[str, str]]:
        """(module, arguments) that build this room (the topology in the module docstring)."""
        rate = f"rate={SAMPLE_RATE_HZ} channels=1"
        room, speaker, mic, keep = (
            self._n("room"), self._n("room_speaker"), self._n("room_mic"), self._n("room_keepalive"),
        )  # fmt: skip
        return [
            ("module-null-sink", f"sink_name={room} {rate}"),
            ("module-remap-sink", f"sink_name={speaker} master={room} {rate}"),
            ("module-remap-source", f"source_name={mic} master={room}.monitor {rate}"),
            ("module-null-sink", f"sink_name={keep} {rate}"),
            (
                "module-loopback",
                f"source={room}.monitor sink={keep} latency_msec={KEEPALIVE_LATENCY_MS} "
                f"fast_adjust_threshold_msec={KEEPALIVE_SNAP_MS}",
            ),
        ]

    def _server_script(self) -> str:
        sock = self._require_dir() / "native"
        return "\n".join(
            [
                f"load-module module-native-protocol-unix auth-anonymous=1 socket={sock}",
                *(f"load-module {module} {args}" for module, args in self._room_modules()),
                # Restart the room's clock so it leaves its initial 2 s block now (see above).
                "suspend-sink room 1",
                "suspend-sink room 0",
                "set-default-sink room_speaker",
                "set-default-source room_mic",
                "",
            ]
        )

    def _attach(self) -> None:
        """Shared mode: build this room inside the running server (module by module)."""
        self._attached = True
        try:
            self._unload_leftovers()
            for module, args in self._room_modules():
                self._modules.append(int(self._run("load-module", module, *args.split()).strip()))
            self._run("suspend-sink", self._n("room"), "1")
            self._run("suspend-sink", self._n("room"), "0")
            if self.room_noise_dbfs is not None:
                self._noise_module = self._load_sine(ROOM_NOISE_HZ, self.room_noise_dbfs)
        except BaseException:
            self.stop()
            raise
        log.info("room audio %r built in the shared server %s", self._prefix, self.server)

    def _unload_leftovers(self) -> None:
        """Unload modules of an earlier life of this room left in the shared server.

        A room whose build failed half-way (a pactl that timed out but was done later, an
        unload refused while the server was busy) or whose agent was killed leaves modules
        behind. Built again, PulseAudio renamed the new sinks ``r07_room.2`` while the
        names pointed at the old ones: in the demo three such rooms kept their loopbacks
        running against the wrong sinks, 0.3–0.5 of a core each, for as long as it ran.
        Matched by exact name, so room ``ha_`` never touches room ``ha_trung_``.
        """
        ours = re.compile(
            rf"{re.escape(self._prefix)}(?:room|room_speaker|room_mic|room_keepalive|tone\d+)"
            r"(?:\.monitor)?"
        )
        stale = []
        for line in self._run("list", "short", "modules").splitlines():
            fields = line.split("\t")  # index, module, arguments, users
            arguments = fields[2] if len(fields) > 2 else ""
            values = (word.split("=", 1)[1] for word in arguments.split() if "=" in word)
            if any(ours.fullmatch(value) for value in values):
                stale.append(fields[0])
        for index in reversed(stale):  # filters before the sinks they sit on
            self._run("unload-module", index)
        if stale:
            log.warning(
                "room audio %r: unloaded %d module(s) left in the shared server by an "
                "earlier start", self._prefix, len(stale),
            )  # fmt: skip

    def _tones_and_modules(self) -> list[int]:
        tones = [*self._tones.values(), *([self._noise_module] if self._noise_module else [])]
        return [*self._modules, *(i for tone in tones for i in (tone.remap, tone.sine))]

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self._start_timeout_s
        while True:
            if self._proc is None or self._proc.poll() is not None:
                raise DeviceUnavailableError(
                    SIM_ID, f"pulseaudio exited at start: {self._server_log()}", operation="start"
                )
            with contextlib.suppress(DeviceUnavailableError):
                sinks = self._run("list", "short", "sinks")
                if self._n("room_speaker") in sinks:
                    return
            if time.monotonic() > deadline:
                raise DeviceTimeoutError(
                    SIM_ID,
                    f"pulseaudio not ready after {self._start_timeout_s:.1f} s: {self._server_log()}",
                    operation="start",
                )
            time.sleep(0.02)

    def _load_sine(self, freq_hz: int, level_dbfs: float) -> _Tone:
        # module-sine has no volume argument and starts at once, so it plays through its own
        # remap sink whose volume is set first: the room never hears it at the wrong level.
        self._serial += 1
        name = self._n(f"tone{self._serial}")
        remap = int(
            self._run(
                "load-module", "module-remap-sink", f"sink_name={name}", f"master={self._n('room')}",
                f"rate={SAMPLE_RATE_HZ}", "channels=1",
            ).strip()
        )  # fmt: skip
        try:
            gain_db = level_dbfs - 20.0 * math.log10(_MODULE_SINE_AMPLITUDE)
            self._run("set-sink-volume", name, str(_pa_volume(gain_db)))
            out = self._run("load-module", "module-sine", f"sink={name}", f"frequency={freq_hz}")
        except DeviceUnavailableError:
            self._run("unload-module", str(remap))
            raise
        return _Tone(sine=int(out.strip()), remap=remap)

    def _unload_tone(self, tone: _Tone) -> None:
        self._run("unload-module", str(tone.sine))
        self._run("unload-module", str(tone.remap))

    def _run(self, *args: str) -> str:
        if not self.running:
            raise DeviceUnavailableError(SIM_ID, "the simulator is not running", operation=args[0])
        env = dict(os.environ, LC_ALL="C", PULSE_SERVER=self.server)
        for attempt in range(1, PACTL_CONNECT_TRIES + 1):
            try:
                done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                    [self._pactl, "-s", self.server, *args],
                    capture_output=True,
                    text=True,
                    timeout=PACTL_TIMEOUT_S,
                    env=env,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise DeviceTimeoutError(
                    SIM_ID, f"pactl {args[0]} hung", operation=args[0]
                ) from exc
            if not self._refused_but_there(done) or attempt == PACTL_CONNECT_TRIES:
                break
            log.info("pactl %s: the sound server refused the connection, try %d", args[0], attempt)
            time.sleep(PACTL_CONNECT_BACKOFF_S * 2 ** (attempt - 1))
        if done.returncode != 0:
            raise DeviceUnavailableError(
                SIM_ID, f"pactl {' '.join(args)}: {done.stderr.strip()}", operation=args[0]
            )
        return done.stdout

    def _refused_but_there(self, done: subprocess.CompletedProcess[str]) -> bool:
        """A refused connection to a server whose socket exists: busy, worth another try
        (no socket at all is no server: pactl says "refused" then too, and that is final)."""
        if done.returncode == 0 or _PACTL_REFUSED not in done.stderr:
            return False
        return Path(self.server.removeprefix("unix:")).exists()

    def _require_dir(self) -> Path:
        if self.dir is None:
            raise DeviceUnavailableError(SIM_ID, "the simulator is not started")
        return self.dir

    def _server_log(self) -> str:
        with contextlib.suppress(OSError):
            text = (self._require_dir() / "server.log").read_text(errors="replace").strip()
            return text[-500:] or "no log output"
        return "no log"


class SharedAudioServer:
    """One bare PulseAudio server for many simulated rooms (the demo province).

    Started by the orchestrator (its own thread keeps it: PR_SET_PDEATHSIG as above); each
    room process builds its room inside it with ``RoomAudioSimulator(server=…, prefix=…)``.
    """

    def __init__(
        self, *, base_dir: str | Path | None = None, start_timeout_s: float = START_TIMEOUT_S
    ) -> None:
        self._base_dir = base_dir
        self._start_timeout_s = start_timeout_s
        self.dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> str:
        if self.dir is None:
            raise DeviceUnavailableError(SIM_ID, "the shared sound server is not started")
        return f"unix:{self.dir / 'native'}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> str:
        """Start the server; return its address (``unix:…/native``)."""
        pulseaudio = need_binary("pulseaudio")
        pactl = need_binary("pactl")
        self.dir = Path(tempfile.mkdtemp(prefix="shared-audio-", dir=self._base_dir))
        # PulseAudio caps its own descriptors at daemon.conf's rlimit-nofile = 256; each
        # room's clients hold a socket and memfd pools, so at ~31 rooms the server ran out
        # ("shm.c: shared memfd open() failed: Too many open files … kicking client"): rooms
        # lost their audio at random and the kicked clients reconnecting kept the server
        # busy. The shared server gets room for a few hundred rooms.
        conf = self.dir / "home" / ".config" / "pulse"
        conf.mkdir(parents=True)
        (conf / "daemon.conf").write_text(
            f"rlimit-nofile = {SHARED_SERVER_NOFILE}\n", encoding="utf-8"
        )
        script = self.dir / "server.pa"
        script.write_text(
            "load-module module-native-protocol-unix auth-anonymous=1 "
            f"socket={self.dir / 'native'}\n",
            encoding="utf-8",
        )
        self._proc = _spawn_pulseaudio(pulseaudio, self.dir, script)
        deadline = time.monotonic() + self._start_timeout_s
        while True:
            if self._proc.poll() is not None:
                log_text = (self.dir / "server.log").read_text(errors="replace")[-500:]
                self.stop()
                raise DeviceUnavailableError(
                    SIM_ID, f"pulseaudio exited at start: {log_text}", operation="start"
                )
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [pactl, "-s", self.server, "info"],
                capture_output=True,
                timeout=PACTL_TIMEOUT_S,
                check=False,
                env=dict(os.environ, LC_ALL="C"),
            )
            if done.returncode == 0:
                return self.server
            if time.monotonic() > deadline:
                self.stop()
                raise DeviceTimeoutError(
                    SIM_ID,
                    f"pulseaudio not ready after {self._start_timeout_s:.1f} s",
                    operation="start",
                )
            time.sleep(0.02)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT_S)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def _spawn_pulseaudio(pulseaudio: str, directory: Path, script: Path) -> subprocess.Popen[bytes]:
    """A user-mode PulseAudio in ``directory`` running ``script`` (PLATFORM.md Media 1).

    -n: no default.pa (no udev/dbus/suspend modules) → deterministic; -F: our modules.
    setpriv --pdeathsig (util-linux): the server gets SIGTERM when the thread that started
    it ends, so an owner that crashes or is killed never leaves one behind.
    """
    env = dict(
        os.environ,
        HOME=str(directory / "home"),
        XDG_CONFIG_HOME=str(directory / "home" / ".config"),  # its daemon.conf, if any
        # Every null sink and loopback runs an IO thread, and glibc gives each thread its
        # own malloc arena (up to 8 per core): with 31 rooms' modules loaded and unloaded
        # by the checks the shared server's heap grew by ~76 MB in the soak.
        MALLOC_ARENA_MAX="2",
        PULSE_RUNTIME_PATH=str(directory / "run"),
        PULSE_STATE_PATH=str(directory / "state"),
    )
    setpriv = shutil.which("setpriv")
    lifeline = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
    args = [*lifeline,
        pulseaudio, "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit=yes",
        "--realtime=no", "--high-priority=no", "--use-pid-file=no",
        "--log-target=stderr", "--log-level=error", "-n", "-F", str(script),
    ]  # fmt: skip
    with (directory / "server.log").open("wb") as errlog:
        return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            args, env=env, stdin=subprocess.DEVNULL, stdout=errlog, stderr=errlog
        )


def _pa_volume(gain_db: float) -> int:
    """pa_sw_volume_from_dB: PulseAudio's software volume is cubic in the linear gain."""
    return round(_PA_VOLUME_NORM * math.cbrt(math.pow(10.0, gain_db / 20.0)))


def main() -> None:
    """Run one simulated room in the foreground; print the environment that reaches it."""
    stop = {"now": False}

    def handler(_signum: int, _frame: object) -> None:
        stop["now"] = True

    # Handlers first: a SIGTERM that arrives while the server starts still stops it cleanly.
    signums = (signal.SIGINT, signal.SIGTERM)
    old = [signal.signal(s, handler) for s in signums]
    sim = RoomAudioSimulator()
    try:
        sim.start()
        for key, value in sim.env().items():
            sys.stdout.write(f"export {key}={value}\n")
        sys.stdout.write(f"# devices: {sim.speaker_name!r}, {sim.mic_name!r}; Ctrl-C stops\n")
        sys.stdout.flush()
        while not stop["now"]:
            time.sleep(0.1)
    finally:
        sim.stop()
        for s, h in zip(signums, old, strict=True):
            signal.signal(s, h)


if __name__ == "__main__":
    main()
