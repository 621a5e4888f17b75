"""The room agent's configuration: one TOML file, validated whole before anything starts.

    load_config(path) -> AgentConfig        raises ConfigError (one line: file, key, what)
    config_path(cli_value) -> Path           --config, else $APPLIANCE_CONFIG, else DEFAULT_PATH

Every section is a pydantic model with ``extra="forbid"``, so a misspelt key is an error
instead of a silently ignored setting. Checks that span several entries (duplicate camera
ids, two cameras on the same port and address) run after the field checks; the first
problem found is reported with its dotted key (``cameras[1].baud``). Nothing in here
opens a device: the service validates everything first, then starts (DESIGN.md §3).
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
)

from drivers.errors import ConfigError
from drivers.visca.transport import SUPPORTED_BAUDS  # the bauds VISCA cameras offer

DEFAULT_PATH: Final = Path("/etc/appliance/appliance.toml")
ENV_VAR: Final = "APPLIANCE_CONFIG"
DEFAULT_LISTEN: Final = "127.0.0.1:8470"
DEFAULT_STATE_DIR: Final = Path("/var/lib/appliance")
MAX_CHAIN_ADDRESS: Final = 7  # a daisy chain holds up to 7 cameras (VISCA.md §1)
MAX_FOLLOW_CHANNELS: Final = 32  # issue 10: 2–32 seat microphones

_Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# Every field has a ``description`` (English, as written here); docs/CONFIG.md is made from
# them (scripts/config_reference.py) with their Vietnamese from the catalogue (msgctxt
# ``config_doc``), and a test fails on a field without one.


class RoomConfig(_Model):
    id: _Id = Field(description="The room's id at the hub (letters, digits, - _ .).")
    name: str = Field(min_length=1, description="The room's name as operators read it.")
    district: str = Field(default="", description="The district the room belongs to.")


class CameraConfig(_Model):
    """One VISCA camera: a serial ``port`` (daisy chains share it) or a network ``url``."""

    id: _Id = Field(description="The camera's id in this room (e.g. cam1).")
    # Strict types: TOML has real integers and booleans, so "9600" or true is a typo to
    # report (lax mode turned baud = true into "bad baud 1"); an empty path is no port.
    port: str | None = Field(
        default=None,
        min_length=1,
        description="Serial port of the RS-232 chain (e.g. /dev/appliance/camera-1); or give url.",
    )
    url: str | None = Field(
        default=None,
        min_length=1,
        description="Network camera: visca-ip://HOST:52381 (Sony) or tcp://HOST:PORT; "
        "or give port.",
    )
    baud: StrictInt = Field(
        default=9600, description="Serial speed; the same for every camera on one port."
    )
    address: StrictInt = Field(
        default=1,
        ge=1,
        le=MAX_CHAIN_ADDRESS,
        description="The camera's position on the daisy chain (its VISCA address).",
    )
    model: str = Field(default="generic", description="Camera model (preset range, quirks).")
    video: str | None = Field(
        default=None,
        description="RTSP/HTTP URL, file or /dev/videoN of this camera's picture.",
    )
    presets: dict[str, StrictInt] = Field(
        default_factory=dict, description="Preset names → preset numbers (e.g. chu-toa = 1)."
    )

    @field_validator("baud")
    @classmethod
    def _baud(cls, value: int) -> int:
        if value not in SUPPORTED_BAUDS:
            allowed = ", ".join(str(b) for b in sorted(SUPPORTED_BAUDS))
            raise ValueError(f"bad baud {value} (one of {allowed})")
        return value

    @field_validator("presets")
    @classmethod
    def _presets(cls, value: dict[str, int]) -> dict[str, int]:
        for name, number in value.items():
            if not name.strip() or name.strip().isdigit():
                raise ValueError(f"preset name {name!r} must be a non-numeric text")
            if not 0 <= number <= 255:
                raise ValueError(f"preset {name!r}: number {number} out of range 0–255")
        return value

    @property
    def link(self) -> str:
        """The physical link this camera is on: the serial port path or the URL."""
        return self.port if self.port is not None else (self.url or "")


class AudioDeviceConfig(_Model):
    """A microphone or speaker, found by a substring of its sound-device name."""

    id: _Id = Field(description="The device's id in this room (e.g. mic1).")
    name: str = Field(
        min_length=1, description="A part of the sound device's name (as the system lists it)."
    )


class DisplayConfig(_Model):
    id: _Id = Field(description="The display's id in this room (e.g. tv1).")
    x_display: str = Field(default=":0", description="The X display the screen is on.")
    output: str | None = Field(
        default=None,
        description="RandR output name (e.g. HDMI-1); none: the whole screen.",
    )
    # Strict: "off" would be read as False by lax pydantic; refuse it.
    cec: StrictBool = Field(
        default=False, description="Switch the TV on and off and read its power by HDMI-CEC."
    )


class ApiConfig(_Model):
    listen: str = Field(
        default=DEFAULT_LISTEN, description="Address of the local control API (IP:PORT)."
    )
    token_file: Path | None = Field(
        default=None, description="The control API's token file; none: <state.dir>/api-token."
    )

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        parse_listen(value)
        return value


class HubConfig(_Model):
    url: str | None = Field(
        default=None,
        description="The hub's address (https://… or wss://…); none: the room works alone.",
    )
    enrolment_token_file: Path | None = Field(
        default=None, description="A one-time enrolment token: the agent enrols itself with it."
    )
    ca_file: Path | None = Field(
        default=None, description="CA bundle of a private CA for https:// and wss://."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("ws://", "wss://", "http://", "https://")):
            raise ValueError("hub url must start with wss:// (or ws://, https://, http://)")
        return value


class StateConfig(_Model):
    dir: Path = Field(
        default=DEFAULT_STATE_DIR,
        description="Where the agent keeps its state: outbox, tokens, reference pictures.",
    )


class FollowShot(_Model):
    """One camera's shot: a configured camera and a preset (a name of its ``presets`` or a number)."""

    camera: _Id = Field(description="A camera id of [[cameras]].")
    preset: str | int = Field(description="A preset name of that camera, or a preset number.")


class FollowSeat(_Model):
    """A delegate seat: its microphone channel (1-based, as printed on the interface)."""

    channel: int = Field(
        ge=1, le=MAX_FOLLOW_CHANNELS, description="The seat's microphone channel (from 1)."
    )
    name: str = Field(min_length=1, max_length=64, description="The seat's name (e.g. Chủ tọa).")
    camera: _Id = Field(description="The camera that shows this seat.")
    preset: str | int = Field(description="That camera's preset (name or number) for this seat.")
    also: list[FollowShot] = Field(
        default_factory=list, description="The same seat from other cameras."
    )

    @property
    def shots(self) -> list[FollowShot]:
        return [FollowShot(camera=self.camera, preset=self.preset), *self.also]


class FollowConfig(_Model):
    """``[follow]``: the voice-follow camera (appliance/agent/follow.py, issue 10)."""

    enabled: bool = Field(default=True, description="Follow the speaker when the agent starts.")
    device: str = Field(
        min_length=1, description="A part of the multichannel microphone input's name."
    )
    channels: int = Field(
        ge=1, le=MAX_FOLLOW_CHANNELS, description="How many channels that input has."
    )
    samplerate: int = Field(
        default=16_000, ge=8_000, le=96_000, description="Sample rate of that input (Hz)."
    )
    seats: list[FollowSeat] = Field(min_length=1, description="The delegates' seats.")
    overview: list[FollowShot] = Field(
        default_factory=list, description="The wide shot when nobody speaks."
    )
    overview_after_s: float = Field(
        default=8.0, ge=1.0, le=3600.0, description="Silence before the wide shot (seconds)."
    )
    min_speech_s: float = Field(
        default=0.3, ge=0.05, le=5.0, description="Speech needed before a switch (seconds)."
    )
    hold_s: float = Field(
        default=0.6, ge=0.0, le=30.0, description="The speaker on screen keeps it this long."
    )
    takeover_s: float = Field(
        default=2.5,
        ge=0.2,
        le=60.0,
        description="A new speaker over one still talking takes the camera after this long.",
    )
    hysteresis_db: float = Field(
        default=3.0,
        ge=0.0,
        le=30.0,
        description="How much louder (dB) a seat must be than every other one.",
    )
    min_move_interval_s: float = Field(
        default=1.5, ge=0.0, le=600.0, description="At most one camera move this often (seconds)."
    )
    voicing: float = Field(
        default=0.5,
        gt=0.0,
        lt=1.0,
        description="How voice-like a sound must be to count as speech (0–1).",
    )
    snr_db: float = Field(
        default=8.0,
        ge=0.0,
        le=60.0,
        description="How far (dB) speech must be above the room noise.",
    )


class AgentConfig(_Model):
    room: RoomConfig = Field(description="The room: its id, name and district.")
    cameras: list[CameraConfig] = Field(
        default_factory=list, description="The PTZ cameras (VISCA over RS-232 or IP)."
    )
    microphones: list[AudioDeviceConfig] = Field(
        default_factory=list, description="The microphones the check listens to."
    )
    speakers: list[AudioDeviceConfig] = Field(
        default_factory=list, description="The speakers the check plays its test tone on."
    )
    displays: list[DisplayConfig] = Field(
        default_factory=list, description="The TVs and projectors."
    )
    api: ApiConfig = Field(
        default_factory=ApiConfig, description="The local control API (technician, hub)."
    )
    hub: HubConfig = Field(default_factory=HubConfig, description="The link to the hub.")
    state: StateConfig = Field(default_factory=StateConfig, description="The agent's own files.")
    follow: FollowConfig | None = Field(
        default=None, description="The voice-follow camera (optional)."
    )

    @property
    def token_file(self) -> Path:
        return self.api.token_file or self.state.dir / "api-token"

    def camera(self, camera_id: str) -> CameraConfig | None:
        return next((c for c in self.cameras if c.id == camera_id), None)


def config_path(cli_value: str | Path | None = None) -> Path:
    """``--config`` wins, then ``$APPLIANCE_CONFIG``, then :data:`DEFAULT_PATH`."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


def load_config(path: str | Path) -> AgentConfig:
    """Read and validate ``path``; raise :class:`ConfigError` naming file and key."""
    path = Path(path)
    try:
        # utf-8-sig: Windows editors (Notepad) save a BOM that TOML itself does not allow.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"TOML syntax error: {exc}", path=str(path)) from None
    return parse_config(raw, source=str(path))


def parse_config(raw: dict[str, Any], *, source: str = "<config>") -> AgentConfig:
    """Validate an already-parsed TOML document (the field checks, then cross checks)."""
    try:
        config = AgentConfig.model_validate(raw)
    except ValidationError as exc:
        raise _one_line(exc, source) from None
    _cross_check(config, source)
    return config


def parse_listen(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8470"`` / ``"[::1]:8470"`` → (host, port); ValueError when malformed."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"listen must be HOST:PORT, got {value!r}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    port = int(port_text)
    if not 0 < port < 65536:
        raise ValueError(f"listen port {port} out of range 1–65535")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"listen host must be an IP address, got {host!r}") from None
    return host, port


# -- private helpers ---------------------------------------------------------------------


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _describe(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing required key"
    if kind == "string_pattern_mismatch":
        return f"must be letters, digits, '-', '_' or '.', got {err.get('input')!r}"
    got = err.get("input")
    if kind == "int_type":  # strict: TOML quotes and booleans are not numbers
        return f"must be a whole number without quotes, got {type(got).__name__} {got!r}"
    if kind == "bool_type":
        return f"must be true or false (without quotes), got {type(got).__name__} {got!r}"
    if kind == "string_too_short":
        return "must not be empty"
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if kind.endswith(("_type", "_parsing")) or kind in {"model_type", "list_type", "dict_type"}:
        return f"wrong type: {msg.lower()}, got {type(got).__name__} {got!r}"
    return msg


def _one_line(exc: ValidationError, source: str) -> ConfigError:
    """Every problem, on one line: a misspelt ``[rooom]`` comes with the ``room`` it hides,
    so the technician fixes the file in one go (no "(+1 more)" to guess)."""
    errors = exc.errors()
    first = errors[0]
    message = _describe(dict(first))
    others = [f"{_dotted(tuple(err['loc']))}: {_describe(dict(err))}" for err in errors[1:]]
    if others:
        message += "; also " + "; ".join(others)
    return ConfigError(message, path=source, key=_dotted(tuple(first["loc"])))


def _cross_check(config: AgentConfig, source: str) -> None:
    from drivers.visca.models import PROFILES
    from drivers.visca.transport import transport_from_url

    seen_ids: dict[str, str] = {}

    def unique(key: str, ident: str) -> None:
        if ident in seen_ids:
            raise ConfigError(
                f"duplicate device id {ident!r} (already used by {seen_ids[ident]})",
                path=source,
                key=key,
            )
        seen_ids[ident] = key

    links: dict[tuple[str, int], str] = {}
    bauds: dict[str, tuple[int, str]] = {}
    for i, cam in enumerate(config.cameras):
        key = f"cameras[{i}]"
        unique(f"{key}.id", cam.id)
        if cam.port is None and cam.url is None:
            raise ConfigError("missing port (give port = serial path or url)", path=source, key=key)
        if cam.port is not None and cam.url is not None:
            raise ConfigError("give port or url, not both", path=source, key=f"{key}.url")
        if cam.url is not None:
            try:
                transport_from_url(cam.url, device_id=cam.id)  # parses only, opens nothing
            except ConfigError as exc:
                raise ConfigError(
                    str(exc).removeprefix("url: "), path=source, key=f"{key}.url"
                ) from None
        if cam.model not in PROFILES:
            raise ConfigError(
                f"unknown camera model {cam.model!r} (one of {', '.join(sorted(PROFILES))})",
                path=source,
                key=f"{key}.model",
            )
        low, high = PROFILES[cam.model].preset_range
        for name, number in cam.presets.items():
            if not low <= number <= high:
                raise ConfigError(
                    f"preset number {number} outside {low}–{high} for model {cam.model}",
                    path=source,
                    key=f"{key}.presets.{name}",
                )
        if len(set(cam.presets.values())) != len(cam.presets):
            raise ConfigError("two preset names share a number", path=source, key=f"{key}.presets")
        link = (cam.link, cam.address)
        if link in links:
            raise ConfigError(
                f"same port and address as {links[link]} ({cam.link} address {cam.address})",
                path=source,
                key=f"{key}.address",
            )
        links[link] = key
        if cam.port is not None:
            if cam.port in bauds and bauds[cam.port][0] != cam.baud:
                other_baud, other_key = bauds[cam.port]
                raise ConfigError(
                    f"baud {cam.baud} differs from {other_key} ({other_baud}) on the same port",
                    path=source,
                    key=f"{key}.baud",
                )
            bauds.setdefault(cam.port, (cam.baud, key))
    for section in ("microphones", "speakers", "displays"):
        for i, dev in enumerate(getattr(config, section)):
            unique(f"{section}[{i}].id", dev.id)
    if config.follow is not None:
        _check_follow(config, config.follow, source)


def _check_follow(config: AgentConfig, follow: FollowConfig, source: str) -> None:
    """Seats on existing channels, cameras and presets; names and channels unique."""
    from drivers.visca.models import PROFILES

    def shot(key: str, camera: str, preset: str | int) -> None:
        cam = config.camera(camera)
        if cam is None:
            known = ", ".join(c.id for c in config.cameras) or "none configured"
            raise ConfigError(
                f"no camera {camera!r} (cameras: {known})", path=source, key=f"{key}.camera"
            )
        if isinstance(preset, str):
            if preset not in cam.presets:
                known = ", ".join(cam.presets) or "none named"
                raise ConfigError(
                    f"camera {camera} has no preset named {preset!r} (presets: {known})",
                    path=source,
                    key=f"{key}.preset",
                )
            return
        low, high = PROFILES[cam.model].preset_range
        if not low <= preset <= high:
            raise ConfigError(
                f"preset number {preset} outside {low}–{high} for model {cam.model}",
                path=source,
                key=f"{key}.preset",
            )

    channels: dict[int, int] = {}
    names: dict[str, int] = {}
    for i, seat in enumerate(follow.seats):
        key = f"follow.seats[{i}]"
        if seat.channel > follow.channels:
            raise ConfigError(
                f"channel {seat.channel} but follow.channels = {follow.channels}",
                path=source,
                key=f"{key}.channel",
            )
        if seat.channel in channels:
            raise ConfigError(
                f"channel {seat.channel} already used by follow.seats[{channels[seat.channel]}]",
                path=source,
                key=f"{key}.channel",
            )
        channels[seat.channel] = i
        folded = seat.name.casefold()
        if folded in names or folded == "overview":
            raise ConfigError(
                f"seat name {seat.name!r} is used twice or reserved", path=source, key=f"{key}.name"
            )
        names[folded] = i
        shot(key, seat.camera, seat.preset)
        for j, extra in enumerate(seat.also):
            shot(f"{key}.also[{j}]", extra.camera, extra.preset)
    for j, extra in enumerate(follow.overview):
        shot(f"follow.overview[{j}]", extra.camera, extra.preset)
