"""Message records and the typed errors of their outcomes (rejected, superseded)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from drivers.errors import CommandRejectedError, CommandSupersededError
from drivers.visca.messages import ErrorCode, ErrorReply, Reply, Request, to_hex

# Readable texts for the VISCA error codes (VISCA.md §1.2).
ERROR_TEXT: Final[dict[int, str]] = {
    ErrorCode.LENGTH: "message too long",
    ErrorCode.SYNTAX: "syntax error: unknown command or illegal parameter",
    ErrorCode.BUFFER_FULL: "command buffer full: both command sockets are busy",
    ErrorCode.CANCELED: "command canceled",
    ErrorCode.NO_SOCKET: "no such socket: nothing to cancel",
    ErrorCode.NOT_EXECUTABLE: "not executable in the camera's current state "
    "(menu open, power off, one-push running, or a conflicting mode)",
}


def rejected(device_id: str, request: Request, reply: ErrorReply) -> CommandRejectedError:
    """The typed error for an error reply: code + readable message + operation."""
    text = ERROR_TEXT.get(reply.code, f"unknown error code {reply.code:02X}")
    return CommandRejectedError(
        device_id,
        f"camera rejected {request.name}: {text} (code {reply.code:02X}, socket {reply.socket})",
        code=reply.code,
        operation=request.name,
    )


def retrieve(future: asyncio.Future[object] | asyncio.Future[Reply] | asyncio.Future[None]) -> None:
    """Done-callback: mark an exception as retrieved (a waiter may have given up)."""
    if not future.cancelled():
        future.exception()


@dataclass(eq=False)
class Message:
    """One request on the wire: its first reply, and (commands) its completion."""

    address: int | None  # None: broadcast
    request: Request
    first: asyncio.Future[Reply]
    done: asyncio.Future[None]
    group: str | None = None  # drive group (pan_tilt, zoom, focus) of a drive command
    waited: bool = True  # someone awaits the completion
    socket: int | None = None
    # Commands: the axes it moves (pan_tilt, zoom, focus); a newer command claiming
    # one of them takes over, and this one ends as superseded, never as done.
    claims: frozenset[str] = frozenset()
    superseded_by: str | None = None
    # Inquiries: the caller's decoder; an answer it cannot decode is not this one's.
    accept: Callable[[bytes], object] | None = None
    misfit: str | None = None  # why the last answer taken for this inquiry did not fit


def new_message(
    address: int | None,
    request: Request,
    *,
    group: str | None = None,
    waited: bool = True,
    accept: Callable[[bytes], object] | None = None,
    claims: frozenset[str] | None = None,
) -> Message:
    loop = asyncio.get_running_loop()
    first: asyncio.Future[Reply] = loop.create_future()
    done: asyncio.Future[None] = loop.create_future()
    first.add_done_callback(retrieve)
    done.add_done_callback(retrieve)
    if claims is None:
        claims = frozenset((group,)) if group else frozenset()
    return Message(address, request, first, done, group, waited, accept=accept, claims=claims)


def superseded(device_id: str, message: Message) -> CommandSupersededError:
    """The error of a command another one took over (``message.superseded_by``)."""
    by = message.superseded_by or "another command"
    return CommandSupersededError(
        device_id,
        f"{message.request.name} superseded by {by} before it finished",
        superseded_by=by,
        operation=message.request.name,
    )


def finish(device_id: str, message: Message) -> None:
    """The camera says ``message`` ended (completion): done, or superseded."""
    if message.done.done():
        return
    if message.superseded_by is not None:
        message.done.set_exception(superseded(device_id, message))
    else:
        message.done.set_result(None)


def misfit(message: Message, data: bytes) -> str | None:
    """Why ``data`` cannot be the answer to the inquiry ``message`` (None: it fits).

    Shape first (the request's reply length), then the caller's decoder: zoom and
    power answers differ in length, a pan-tilt answer has nibbles where a version has
    bytes above ``0F``.
    """
    expected = message.request.reply_len
    if expected is not None and len(data) != expected:
        return f"answer has {len(data)} data bytes, expected {expected}: {to_hex(data)}"
    if message.accept is not None:
        try:
            message.accept(data)
        except ValueError as exc:
            return f"cannot decode answer {to_hex(data)}: {exc}"
    return None
