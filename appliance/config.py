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


class RoomConfig(_Model):
    id: _Id
    name: str = Field(min_length=1)
    district: str = ""


class CameraConfig(_Model):
    """One VISCA camera: a serial ``port`` (daisy chains share it) or a network ``url``."""

    id: _Id
    # Strict types: TOML has real integers and booleans, so "9600" or true is a typo to
    # report (lax mode turned baud = true into "bad baud 1"); an empty path is no port.
    port: str | None = Field(default=None, min_length=1)
    url: str | None = Field(default=None, min_length=1)
    baud: StrictInt = 9600
    address: StrictInt = Field(default=1, ge=1, le=MAX_CHAIN_ADDRESS)
    model: str = "generic"
    video: str | None = None  # RTSP/HTTP URL, file or /dev/videoN of this camera's picture
    presets: dict[str, StrictInt] = Field(default_factory=dict)  # name → preset number

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

    id: _Id
    name: str = Field(min_length=1)


class DisplayConfig(_Model):
    id: _Id
    x_display: str = ":0"
    output: str | None = None  # RandR output name (e.g. HDMI-1); None = the whole screen
    cec: StrictBool = False  # "off" would be read as False by lax pydantic: refuse it


class ApiConfig(_Model):
    listen: str = DEFAULT_LISTEN
    token_file: Path | None = None  # default: <state.dir>/api-token

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        parse_listen(value)
        return value


class HubConfig(_Model):
    url: str | None = None  # the hub's base URL (docs/LINK.md §1): https://hub… / ws://…
    enrolment_token_file: Path | None = None
    ca_file: Path | None = None  # CA bundle of a private CA for https:// / wss://

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("ws://", "wss://", "http://", "https://")):
            raise ValueError("hub url must start with wss:// (or ws://, https://, http://)")
        return value


class StateConfig(_Model):
    dir: Path = DEFAULT_STATE_DIR


class FollowShot(_Model):
    """One camera's shot: a configured camera and a preset (a name of its ``presets`` or a number)."""

    camera: _Id
    preset: str | int


class FollowSeat(_Model):
    """A delegate seat: its microphone channel (1-based, as printed on the interface)."""

    channel: int = Field(ge=1, le=MAX_FOLLOW_CHANNELS)
    name: str = Field(min_length=1, max_length=64)
    camera: _Id
    preset: str | int
    also: list[FollowShot] = Field(default_factory=list)  # the same seat from another camera

    @property
    def shots(self) -> list[FollowShot]:
        return [FollowShot(camera=self.camera, preset=self.preset), *self.also]


class FollowConfig(_Model):
    """``[follow]``: the voice-follow camera (appliance/agent/follow.py, issue 10)."""

    enabled: bool = True
    device: str = Field(min_length=1)  # substring of the multichannel input's name
    channels: int = Field(ge=1, le=MAX_FOLLOW_CHANNELS)
    samplerate: int = Field(default=16_000, ge=8_000, le=96_000)
    seats: list[FollowSeat] = Field(min_length=1)
    overview: list[FollowShot] = Field(default_factory=list)  # nobody speaks → this shot
    overview_after_s: float = Field(default=8.0, ge=1.0, le=3600.0)
    min_speech_s: float = Field(default=0.3, ge=0.05, le=5.0)  # speech before a switch
    hold_s: float = Field(default=0.6, ge=0.0, le=30.0)  # the talker on air keeps it this long
    takeover_s: float = Field(default=2.5, ge=0.2, le=60.0)  # a new talker over a talking one
    hysteresis_db: float = Field(default=3.0, ge=0.0, le=30.0)  # lead over every other channel
    min_move_interval_s: float = Field(default=1.5, ge=0.0, le=600.0)  # cap on camera moves
    voicing: float = Field(default=0.5, gt=0.0, lt=1.0)
    snr_db: float = Field(default=8.0, ge=0.0, le=60.0)


class AgentConfig(_Model):
    room: RoomConfig
    cameras: list[CameraConfig] = Field(default_factory=list)
    microphones: list[AudioDeviceConfig] = Field(default_factory=list)
    speakers: list[AudioDeviceConfig] = Field(default_factory=list)
    displays: list[DisplayConfig] = Field(default_factory=list)
    api: ApiConfig = Field(default_factory=ApiConfig)
    hub: HubConfig = Field(default_factory=HubConfig)
    state: StateConfig = Field(default_factory=StateConfig)
    follow: FollowConfig | None = None

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
