"""What a notification says and how it is sent: a webhook (Alertmanager body, Standard
Webhooks signature) or an e-mail (SMTP with STARTTLS and login).

    body = alertmanager_body(alert, event, receiver, room)           # dict, JSON-ready
    headers = sign(secret, msg_id, timestamp, payload)                # webhook-* headers
    await send_webhook(hook, alert, event, room)                      # DeliveryError on failure
    await send_email(mail, alert, event, room)                        # DeliveryError on failure

**Alertmanager webhook body** (version 4, prometheus/alertmanager notify/webhook): the
fields receivers such as Grafana OnCall, n8n or a ticket system already parse —
``status`` firing/resolved, ``alerts[].labels`` (``alertname``, ``room``, ``district``,
``severity``), ``annotations`` (``summary``, ``description``), ``startsAt``/``endsAt`` in
RFC 3339, ``fingerprint``.

**Standard Webhooks** (standardwebhooks.com, spec v1): headers ``webhook-id`` (the same on
every retry of one notification: the receiver drops a repeat), ``webhook-timestamp``
(integer seconds) and ``webhook-signature`` = ``v1,`` + base64(HMAC-SHA256(key,
"{id}.{timestamp}.{body}")), the key being the base64-decoded part of ``whsec_…``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Final

import httpx

from appliance import __version__
from appliance.hub.alerts.config import Email, Webhook
from appliance.hub.db.alerts import AlertRecord
from appliance.hub.db.records import RoomRecord
from appliance.hub.reports import VIETNAM
from appliance.i18n import t
from drivers.errors import ApplianceError

# Alertmanager's "no end yet" (Go's zero time), which receivers test for.
ZERO_TIME: Final = "0001-01-01T00:00:00Z"
ALERT_NAMES: Final = {
    "offline": "RoomOffline",
    "check_failed": "ReadinessCheckFailed",
    "device_lost": "DeviceLost",
}


class DeliveryError(ApplianceError):
    """The channel did not take the notification (the worker retries it later)."""


def message_id(alert: AlertRecord, event: str) -> str:
    """Stable across retries (Standard Webhooks: receivers de-duplicate on it)."""
    return f"msg_appliance_alert_{alert.id}_{event}"


def _rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _labels(alert: AlertRecord, room: RoomRecord | None) -> dict[str, str]:
    labels = {
        "alertname": ALERT_NAMES.get(alert.rule, alert.rule),
        "rule": alert.rule,
        "room": alert.room_id,
        "severity": alert.severity,
    }
    if room is not None:
        labels["district"] = room.district
        labels["room_name"] = room.name
    if alert.subject:
        labels["device"] = alert.subject
    return labels


def describe(alert: AlertRecord, event: str, room: RoomRecord | None, lang: str) -> tuple[str, str]:
    """(summary, description) in ``lang``: what an operator reads first."""
    name = room.name if room is not None else alert.room_id
    district = room.district if room is not None else ""
    what = t(f"hub.alert.rule.{alert.rule}", lang, device=alert.subject)
    head = "hub.alert.resolved" if event == "resolved" else "hub.alert.firing"
    summary = t(head, lang, room=name, district=district, what=what)
    began = datetime.fromtimestamp(alert.began_at, VIETNAM).strftime("%H:%M:%S %d/%m/%Y")
    lines = [summary, t("hub.alert.began", lang, at=began)]
    if alert.summary:
        lines.append(alert.summary)
    if event == "resolved" and alert.resolved_at is not None:
        ended = datetime.fromtimestamp(alert.resolved_at, VIETNAM).strftime("%H:%M:%S %d/%m/%Y")
        lines.append(t("hub.alert.ended", lang, at=ended))
    return summary, "\n".join(lines)


def alertmanager_body(
    alert: AlertRecord,
    event: str,
    receiver: str,
    room: RoomRecord | None,
    *,
    external_url: str = "",
    lang: str = "vi",
) -> dict[str, Any]:
    labels = _labels(alert, room)
    summary, description = describe(alert, event, room, lang)
    status = "resolved" if event == "resolved" else "firing"
    ends = alert.resolved_at if status == "resolved" and alert.resolved_at else None
    base = external_url.rstrip("/")
    item = {
        "status": status,
        "labels": labels,
        "annotations": {"summary": summary, "description": description},
        "startsAt": _rfc3339(alert.began_at),
        "endsAt": _rfc3339(ends) if ends is not None else ZERO_TIME,
        "generatorURL": f"{base}/rooms/{alert.room_id}" if base else "",
        "fingerprint": hashlib.sha256(
            f"{alert.room_id}|{alert.rule}|{alert.subject}".encode()
        ).hexdigest()[:16],
        "alert_id": alert.id,
    }
    group_labels = {"alertname": labels["alertname"], "room": alert.room_id}
    return {
        "version": "4",
        "groupKey": f"{{}}:{{alertname={labels['alertname']!r}, room={alert.room_id!r}}}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": labels,
        "commonAnnotations": item["annotations"],
        "externalURL": base,
        "alerts": [item],
    }


def sign(secret: bytes, msg_id: str, timestamp: int, payload: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one delivery attempt."""
    to_sign = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(secret, to_sign, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


async def send_webhook(
    hook: Webhook,
    alert: AlertRecord,
    event: str,
    room: RoomRecord | None,
    *,
    external_url: str = "",
) -> None:
    body = alertmanager_body(alert, event, hook.name, room, external_url=external_url)
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "content-type": "application/json",
        "user-agent": f"appliance-hub/{__version__}",
        **sign(hook.secret, message_id(alert, event), int(time.time()), payload),
    }
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=str(hook.ca_file)) if hook.ca_file else True
    )
    try:
        async with httpx.AsyncClient(timeout=hook.timeout_s, verify=verify) as client:
            resp = await client.post(hook.url, content=payload, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {hook.name}: {type(exc).__name__}: {exc}") from None
    if not 200 <= resp.status_code < 300:
        raise DeliveryError(f"webhook {hook.name}: HTTP {resp.status_code}")


def email_message(
    mail: Email, alert: AlertRecord, event: str, room: RoomRecord | None, *, external_url: str = ""
) -> EmailMessage:
    summary, description = describe(alert, event, room, mail.lang)
    msg = EmailMessage()
    tag = t(
        "hub.alert.mail_tag_resolved" if event == "resolved" else "hub.alert.mail_tag", mail.lang
    )
    msg["Subject"] = f"{tag} {summary}"
    msg["From"] = mail.sender
    msg["To"] = ", ".join(mail.to)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(idstring=message_id(alert, event), domain="appliance-hub")
    body = description
    if external_url:
        body += "\n\n" + f"{external_url.rstrip('/')}/rooms/{alert.room_id}"
    msg.set_content(body + "\n", charset="utf-8")
    return msg


def _smtp_send(mail: Email, msg: EmailMessage) -> None:
    context = ssl.create_default_context(cafile=str(mail.ca_file) if mail.ca_file else None)
    with smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_s) as smtp:
        smtp.ehlo()
        if mail.starttls:
            smtp.starttls(context=context)
            smtp.ehlo()
        if mail.username is not None and mail.password is not None:
            smtp.login(mail.username, mail.password)
        refused = smtp.send_message(msg)
        if refused:
            raise DeliveryError(f"e-mail {mail.name}: refused for {', '.join(refused)}")


async def send_email(
    mail: Email, alert: AlertRecord, event: str, room: RoomRecord | None, *, external_url: str = ""
) -> None:
    msg = email_message(mail, alert, event, room, external_url=external_url)
    try:
        # smtplib blocks: a thread of its own (one message at a time per delivery).
        await asyncio.to_thread(_smtp_send, mail, msg)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        # The server's reply text, never the password (smtplib does not echo it).
        raise DeliveryError(f"e-mail {mail.name}: {type(exc).__name__}: {exc}") from None
