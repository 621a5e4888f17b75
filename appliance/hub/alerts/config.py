"""The alerts configuration: hold-downs, retries, and where notifications go.

A TOML file (``appliance hub serve --alerts /etc/appliance-hub/alerts.toml``)::

    [rules]
    offline_hold_s = 60      # a room offline this long raises "room offline"
    device_hold_s = 30       # a device lost this long raises "device lost" (a replug: no)
    check_failed = true      # a failed readiness check raises at once

    [retry]                  # a receiver that is down: retried with backoff, never dropped
    initial_s = 5
    max_s = 600

    [[webhook]]
    name = "trung-tam"
    url = "https://noc.example.vn/hooks/appliance"
    secret_file = "/etc/appliance-hub/webhook.secret"   # whsec_… (Standard Webhooks)
    # ca_file = "/etc/appliance-hub/noc-ca.pem"

    [[email]]
    name = "ky-thuat"
    host = "mail.example.vn"
    port = 587               # STARTTLS on the submission port (RFC 6409)
    username = "hub@example.vn"
    password_file = "/etc/appliance-hub/smtp.password"
    sender = "hub@example.vn"
    to = ["kythuat@example.vn"]
    lang = "vi"

Secrets live in their own files (0600, written by Ansible from the vault), never in this
file and never in a log line. Every mistake is a :class:`ConfigError` naming the file and
the key: the hub refuses to start rather than run with alerts silently going nowhere.
"""

from __future__ import annotations

import base64
import binascii
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from drivers.errors import ConfigError

WEBHOOK_SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the format's prefix, not a secret
DEFAULT_OFFLINE_HOLD_S: Final = 60.0
DEFAULT_DEVICE_HOLD_S: Final = 30.0
DEFAULT_RETRY_INITIAL_S: Final = 5.0
DEFAULT_RETRY_MAX_S: Final = 600.0
_NAME_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
# Each field's metadata: "doc", its description (English; the Vietnamese is in the
# catalogue, msgctxt config_doc) and, where the TOML key differs from the field, "key".
# docs/CONFIG.md is made from them (scripts/config_reference.py).
DOC: Final = "doc"
KEY: Final = "key"


DEFAULT: Final = "default"  # the parser's default where the dataclass has none


def _doc(text: str, key: str | None = None, default: str | None = None) -> dict[str, str]:
    return {DOC: text} | ({KEY: key} if key else {}) | ({DEFAULT: default} if default else {})


@dataclass(frozen=True)
class Rules:
    offline_hold_s: float = field(
        default=DEFAULT_OFFLINE_HOLD_S,
        metadata=_doc('A room offline this long raises "room offline" (seconds).'),
    )
    device_hold_s: float = field(
        default=DEFAULT_DEVICE_HOLD_S,
        metadata=_doc('A device lost this long raises "device lost" (seconds).'),
    )
    check_failed: bool = field(
        default=True, metadata=_doc("A failed readiness check raises an alert at once.")
    )


@dataclass(frozen=True)
class Webhook:
    name: str = field(metadata=_doc("The channel's name (a-z, 0-9, - and _)."))
    url: str = field(metadata=_doc("The receiver's http:// or https:// URL."))
    # The HMAC key (the base64 part of whsec_…, decoded).
    secret: bytes = field(
        repr=False,
        metadata=_doc(
            "A file holding the signing secret whsec_… (Standard Webhooks).", "secret_file"
        ),
    )
    ca_file: Path | None = field(
        default=None, metadata=_doc("CA bundle of a private CA for the receiver's https://.")
    )
    timeout_s: float = field(
        default=10.0, metadata=_doc("Time allowed for one delivery (seconds).")
    )


@dataclass(frozen=True)
class Email:
    name: str = field(metadata=_doc("The channel's name (a-z, 0-9, - and _)."))
    host: str = field(metadata=_doc("The mail server (SMTP submission)."))
    port: int = field(metadata=_doc("The server's port (submission, STARTTLS).", default="587"))
    sender: str = field(metadata=_doc("The From address."))
    to: tuple[str, ...] = field(metadata=_doc("The recipients' addresses."))
    username: str | None = field(
        default=None, metadata=_doc("Login name at the server; goes with password_file.")
    )
    password: str | None = field(
        default=None,
        repr=False,
        metadata=_doc("A file holding the login password (needs starttls).", "password_file"),
    )
    starttls: bool = field(default=True, metadata=_doc("Encrypt the connection with STARTTLS."))
    ca_file: Path | None = field(
        default=None, metadata=_doc("CA bundle of a private CA for the mail server.")
    )
    lang: str = field(default="vi", metadata=_doc("Language of the messages: vi or en."))
    timeout_s: float = field(
        default=20.0, metadata=_doc("Time allowed for one delivery (seconds).")
    )


@dataclass(frozen=True)
class AlertsConfig:
    rules: Rules = field(
        default_factory=Rules, metadata=_doc("When an alert is raised (hold-downs).")
    )
    retry_initial_s: float = field(
        default=DEFAULT_RETRY_INITIAL_S,
        metadata=_doc(
            "First wait before a failed delivery is retried (seconds).", "retry.initial_s"
        ),
    )
    retry_max_s: float = field(
        default=DEFAULT_RETRY_MAX_S,
        metadata=_doc("Longest wait between retries (seconds).", "retry.max_s"),
    )
    webhooks: tuple[Webhook, ...] = field(
        default=(), metadata=_doc("Webhook receivers (Alertmanager format, signed).", "webhook")
    )
    emails: tuple[Email, ...] = field(
        default=(), metadata=_doc("E-mail recipients (SMTP).", "email")
    )
    external_url: str = field(
        default="",
        metadata=_doc("The dashboard's address, for links in notifications."),
    )

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(w.name for w in self.webhooks) + tuple(e.name for e in self.emails)


def parse_webhook_secret(value: str, *, path: str, key: str) -> bytes:
    """``whsec_<base64>`` (the Standard Webhooks secret format) → the HMAC key bytes."""
    text = value.strip()
    if not text.startswith(WEBHOOK_SECRET_PREFIX):
        raise ConfigError("the webhook secret must start with whsec_", path=path, key=key)
    try:
        raw = base64.b64decode(text[len(WEBHOOK_SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(
            "the webhook secret is not base64 after whsec_", path=path, key=key
        ) from None
    if len(raw) < 24:  # Standard Webhooks: 24 to 64 bytes of key
        raise ConfigError("the webhook secret is shorter than 24 bytes", path=path, key=key)
    return raw


def load(path: Path, *, external_url: str = "") -> AlertsConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None
    return parse(data, path=str(path), base=path.parent, external_url=external_url)


def parse(data: dict[str, Any], *, path: str, base: Path, external_url: str = "") -> AlertsConfig:
    r = _section(data, "rules", path)
    rules = Rules(
        offline_hold_s=_number(r, "offline_hold_s", DEFAULT_OFFLINE_HOLD_S, path, "rules"),
        device_hold_s=_number(r, "device_hold_s", DEFAULT_DEVICE_HOLD_S, path, "rules"),
        check_failed=_bool(r, "check_failed", True, path, "rules"),
    )
    retry = _section(data, "retry", path)
    initial = _number(retry, "initial_s", DEFAULT_RETRY_INITIAL_S, path, "retry", positive=True)
    most = _number(retry, "max_s", DEFAULT_RETRY_MAX_S, path, "retry", positive=True)
    if most < initial:
        raise ConfigError("max_s must be at least initial_s", path=path, key="retry.max_s")
    webhooks = tuple(
        _webhook(w, path, base, f"webhook[{i}]") for i, w in enumerate(_list(data, "webhook", path))
    )
    emails = tuple(
        _email(e, path, base, f"email[{i}]") for i, e in enumerate(_list(data, "email", path))
    )
    names = [w.name for w in webhooks] + [e.name for e in emails]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"channel names must differ: {', '.join(twice)}", path=path)
    unknown = set(data) - {"rules", "retry", "webhook", "email", "external_url"}
    if unknown:
        raise ConfigError(f"unknown sections: {', '.join(sorted(unknown))}", path=path)
    return AlertsConfig(
        rules=rules,
        retry_initial_s=initial,
        retry_max_s=most,
        webhooks=webhooks,
        emails=emails,
        external_url=str(data.get("external_url", external_url)),
    )


def _section(data: dict[str, Any], name: str, path: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError("must be a table", path=path, key=name)
    return value


def _list(data: dict[str, Any], name: str, path: str) -> list[dict[str, Any]]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"use [[{name}]] tables", path=path, key=name)
    return value


def _number(
    d: dict[str, Any], key: str, default: float, path: str, where: str, *, positive: bool = False
) -> float:
    value = d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError("must be a number ≥ 0", path=path, key=f"{where}.{key}")
    if positive and value == 0:
        raise ConfigError("must be more than 0", path=path, key=f"{where}.{key}")
    return float(value)


def _bool(d: dict[str, Any], key: str, default: bool, path: str, where: str) -> bool:
    value = d.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError("must be true or false", path=path, key=f"{where}.{key}")
    return value


def _str(d: dict[str, Any], key: str, path: str, where: str, *, required: bool = True) -> str:
    value = d.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("must be a non-empty string", path=path, key=f"{where}.{key}")
    return value.strip()


def _name(d: dict[str, Any], path: str, where: str) -> str:
    name = _str(d, "name", path, where)
    if not set(name) <= _NAME_CHARS or len(name) > 64:
        raise ConfigError(
            "a name is lower-case letters, digits, - and _ (at most 64)",
            path=path,
            key=f"{where}.name",
        )
    return name


def _file(d: dict[str, Any], key: str, path: str, base: Path, where: str) -> Path | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError("must be a file path", path=path, key=f"{where}.{key}")
    p = Path(value)
    return p if p.is_absolute() else base / p


def _secret_text(d: dict[str, Any], key: str, path: str, base: Path, where: str) -> str | None:
    file = _file(d, key, path, base, where)
    if file is None:
        return None
    try:
        return file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read {file}: {exc.strerror}", path=path, key=f"{where}.{key}"
        ) from None


def _webhook(d: dict[str, Any], path: str, base: Path, where: str) -> Webhook:
    url = _str(d, "url", path, where)
    if not url.startswith(("http://", "https://")):
        raise ConfigError("must be an http:// or https:// URL", path=path, key=f"{where}.url")
    secret = _secret_text(d, "secret_file", path, base, where)
    if secret is None:
        raise ConfigError(
            "a webhook needs secret_file (whsec_…)", path=path, key=f"{where}.secret_file"
        )
    return Webhook(
        name=_name(d, path, where),
        url=url,
        secret=parse_webhook_secret(secret, path=path, key=f"{where}.secret_file"),
        ca_file=_file(d, "ca_file", path, base, where),
        timeout_s=_number(d, "timeout_s", 10.0, path, where, positive=True),
    )


def _email(d: dict[str, Any], path: str, base: Path, where: str) -> Email:
    port = d.get("port", 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError("must be a port number", path=path, key=f"{where}.port")
    to = d.get("to")
    if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
        raise ConfigError("must be a list of e-mail addresses", path=path, key=f"{where}.to")
    username = _str(d, "username", path, where, required=False) or None
    password = _secret_text(d, "password_file", path, base, where)
    if (username is None) != (password is None):
        raise ConfigError(
            "username and password_file go together", path=path, key=f"{where}.username"
        )
    lang = d.get("lang", "vi")
    if lang not in ("vi", "en"):
        raise ConfigError("must be vi or en", path=path, key=f"{where}.lang")
    starttls = _bool(d, "starttls", True, path, where)
    if password is not None and not starttls:
        # A password is never sent over a connection that is not encrypted.
        raise ConfigError("login needs starttls = true", path=path, key=f"{where}.starttls")
    return Email(
        name=_name(d, path, where),
        host=_str(d, "host", path, where),
        port=port,
        sender=_str(d, "sender", path, where),
        to=tuple(to),
        username=username,
        password=password,
        starttls=starttls,
        ca_file=_file(d, "ca_file", path, base, where),
        lang=str(lang),
        timeout_s=_number(d, "timeout_s", 20.0, path, where, positive=True),
    )
