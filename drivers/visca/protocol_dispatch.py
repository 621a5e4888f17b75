"""Route one decoded reply to the message it answers (the receive half of ``ViscaPort``).

Matching rules (VISCA.md §1.2, §1.3):

- ACK ``z0 4y``: the first reply of the command awaiting one; it now occupies socket y.
  Running commands of that camera moving one of its axes are superseded by it: their
  completion (or "canceled") ends them with ``CommandSupersededError``, never as done.
- Completion ``z0 5y`` (y ≠ 0): finishes the oldest command in (address, y). With no
  command there, it answers the awaiting command (a camera that skips the ACK).
- Inquiry answer ``z0 50 …`` (and ``z0 50 FF``, the addressed IF_Clear's): pays the
  oldest inquiry that camera owes (they stay in order, §1.3); taken only if that is the
  inquiry waiting now and the answer fits its length and decoder, else dropped
  (:class:`~drivers.visca.protocol_support.InquiryLedger`).
- Error ``z0 6y cc``: "canceled" (04) ends the command in socket y and answers the
  awaiting Cancel; any other code is the first reply of the awaiting message of that
  address (an inquiry's through the ledger), else (a command failing while it runs)
  ends the command in socket y.
- Network Change ``z0 38``: re-address the chain. Notifications go to the hook.
- Anything else is counted as garbage and dropped.
"""

from __future__ import annotations

import logging

from drivers.visca import messages as m
from drivers.visca.protocol_support import Message, Router, finish, rejected, superseded

log = logging.getLogger(__name__)


def dispatch(port: Router, reply: m.Reply) -> None:
    address = getattr(reply, "address", None)
    if isinstance(address, int) and address >= 1:
        port.heard(address)
    awaiting = port.awaiting
    if awaiting is not None and awaiting.first.done():
        awaiting = None
    if isinstance(reply, m.Ack):
        if (
            awaiting is not None
            and awaiting.address == reply.address
            and awaiting.request.kind is m.RequestKind.COMMAND
        ):
            port.sockets.take_over(awaiting)
            port.sockets.register(awaiting, reply.address, reply.socket)
            awaiting.first.set_result(reply)
            return
    elif isinstance(reply, m.Completion):
        port.completion_seen()
        if reply.socket != 0:
            message = port.sockets.pop(reply.address, reply.socket)
            if message is not None:
                finish(port.name_of(reply.address), message)
                return
        else:  # z0 50 FF: the answer to an addressed IF_Clear (an inquiry without data)
            port.inquiry_answer(reply.address, reply, b"")
            return
        # No command in that socket: the awaiting command's completion without an ACK.
        if (
            awaiting is not None
            and awaiting.address == reply.address
            and awaiting.request.kind is m.RequestKind.COMMAND
        ):
            port.sockets.take_over(awaiting)
            awaiting.first.set_result(reply)
            if not awaiting.done.done():
                awaiting.done.set_result(None)
            return
    elif isinstance(reply, m.InquiryReply):
        # In order per camera, checked against the inquiry it would answer (ledger).
        port.inquiry_answer(reply.address, reply, reply.data)
        return
    elif isinstance(reply, m.ErrorReply):
        if _error(port, awaiting, reply):
            return
    elif isinstance(reply, m.NetworkChange):
        port.network_change(reply.address)
        return
    elif isinstance(reply, m.AddressReply):
        if awaiting is not None and awaiting.request.body[:1] == b"\x30":
            awaiting.first.set_result(reply)
            return
    elif isinstance(reply, m.IfClearEcho):
        if awaiting is not None and awaiting.request.kind is m.RequestKind.BROADCAST:
            awaiting.first.set_result(reply)
            return
    elif isinstance(reply, m.Notification):
        if port.on_notification is not None:
            try:
                port.on_notification(reply)
            except Exception:
                log.exception("%s: notification hook failed", port.device_id)
        return
    else:
        port.garbage_packets += 1
        log.debug("%s: garbage %s", port.device_id, reply)
        return
    log.debug("%s: stray reply %s", port.device_id, reply)


def _error(port: Router, awaiting: Message | None, reply: m.ErrorReply) -> bool:
    if reply.code == m.ErrorCode.CANCELED:
        target = port.sockets.pop(reply.address, reply.socket)
        if target is not None and not target.done.done():
            name = port.name_of(reply.address)
            target.done.set_exception(
                superseded(name, target)
                if target.superseded_by is not None
                else rejected(name, target.request, reply)
            )
        if (
            awaiting is not None
            and awaiting.address == reply.address
            and awaiting.request.kind is m.RequestKind.CANCEL
        ):
            awaiting.first.set_result(reply)
        return True
    if awaiting is not None and awaiting.address == reply.address:
        if awaiting.request.kind is m.RequestKind.INQUIRY:
            # Pays the oldest inquiry this camera owes: an error for a given-up one
            # must not fail the inquiry waiting now.
            port.inquiry_answer(reply.address, reply, None)
        else:
            awaiting.first.set_result(reply)
        return True
    if reply.socket != 0:
        target = port.sockets.pop(reply.address, reply.socket)
        if target is not None:
            if not target.done.done():
                target.done.set_exception(
                    rejected(port.name_of(reply.address), target.request, reply)
                )
            return True
    return False
