"""VISCA request/reply matching on one port: :class:`ViscaPort` and its constants.

``port`` holds the one cohesive ``ViscaPort`` class; its named helpers are ``gate``
(one message awaiting its first reply, urgent first), ``sockets`` (commands in camera
sockets), ``drives`` (drive coalescing, queued-move supersession), ``silence``
(unanswered messages → unavailable), ``ledger`` (inquiry answers owed) and ``records``
(message records, rejected/superseded errors).
"""

from __future__ import annotations

from drivers.visca.protocol.port import (
    ACK_TIMEOUT_S,
    BUFFER_FULL_RETRIES,
    COMPLETION_TIMEOUT_S,
    INQUIRY_TIMEOUT_S,
    MOVE_COMPLETION_TIMEOUT_S,
    QUARANTINE_TIMEOUTS,
    RETRIES,
    SILENT_LIMIT,
    AvailabilityHook,
    NotificationHook,
    TraceHook,
    ViscaPort,
)

__all__ = [
    "ACK_TIMEOUT_S",
    "BUFFER_FULL_RETRIES",
    "COMPLETION_TIMEOUT_S",
    "INQUIRY_TIMEOUT_S",
    "MOVE_COMPLETION_TIMEOUT_S",
    "QUARANTINE_TIMEOUTS",
    "RETRIES",
    "SILENT_LIMIT",
    "AvailabilityHook",
    "NotificationHook",
    "TraceHook",
    "ViscaPort",
]
