"""Command builders for memory (presets), system, IR and the interface (cancel, AddressSet, IF_Clear).

Bytes per ``VISCA.md`` §2.2 and §1.4 (shared docs).
"""

from __future__ import annotations

from ._core import (
    CAT_CAMERA,
    CAT_INTERFACE,
    CAT_PAN_TILT,
    CAT_VENDOR_7D,
    CAT_VENDOR_7E,
    CLASS_ADDRESS,
    CLASS_CANCEL,
    CLASS_COMMAND,
    OFF,
    ON,
    TOGGLE,
    PresetEncoding,
    Request,
    RequestKind,
    check_range,
    command,
    nibbles,
    on_off,
)

MAX_PRESET_0P = 0x0F  # "0p" encoding (EVI-D70, SRG-300H)
MAX_PRESET_PP = 0xFE  # "pp" encoding; FF is the terminator (PTZOptics uses up to FEh)


# --- memory (presets) ------------------------------------------------------------------


def _memory(name: str, action: int, n: int, encoding: PresetEncoding) -> Request:
    # 8x 01 04 3F 0a pp FF (VISCA.md §2.2 memory row, §2.3): "0p" models take 0–F,
    # "pp" models a whole byte (BRC-X400: preset number − 1, 00–63h; PTZOptics up to FEh).
    if encoding == "0p":
        check_range("memory number (0p)", n, 0, MAX_PRESET_0P)
    elif encoding == "pp":
        check_range("memory number (pp)", n, 0, MAX_PRESET_PP)
    else:
        raise ValueError(f"preset encoding must be '0p' or 'pp', got {encoding!r}")
    return command(f"{name} {n}", CAT_CAMERA, 0x3F, action, n)


def memory_reset(n: int, encoding: PresetEncoding = "pp") -> Request:
    """CAM_Memory Reset ``8x 01 04 3F 00 pp FF``."""
    return _memory("CAM_Memory Reset", 0x00, n, encoding)


def memory_set(n: int, encoding: PresetEncoding = "pp") -> Request:
    """CAM_Memory Set ``8x 01 04 3F 01 pp FF``."""
    return _memory("CAM_Memory Set", 0x01, n, encoding)


def memory_recall(n: int, encoding: PresetEncoding = "pp") -> Request:
    """CAM_Memory Recall ``8x 01 04 3F 02 pp FF``."""
    return _memory("CAM_Memory Recall", 0x02, n, encoding)


# --- system --------------------------------------------------------------------------


def cam_id_write(camera_id: int) -> Request:
    """CAM_IDWrite ``8x 01 04 22 0p 0q 0r 0s FF`` (0000–FFFF)."""
    check_range("camera id", camera_id, 0, 0xFFFF)
    return command("CAM_IDWrite", CAT_CAMERA, 0x22, nibbles(camera_id, 4, signed=False))


def key_lock(on: bool) -> Request:
    """CAM_KeyLock (EVI-D70) ``8x 01 04 17 02 FF`` lock / ``…17 00 FF`` unlock."""
    return command("CAM_KeyLock", CAT_CAMERA, 0x17, ON if on else 0x00)


def register_write(register: int, value: int) -> Request:
    """CAM_RegisterValue (FCB) ``8x 01 04 24 mm 0p 0q FF`` (LIBVISCA VISCA_set_register)."""
    check_range("register", register, 0, 0x7F)
    check_range("register value", value, 0, 0xFF)
    return command(
        f"CAM_RegisterValue {register:02X}",
        CAT_CAMERA,
        0x24,
        register,
        nibbles(value, 2, signed=False),
    )


def menu_off() -> Request:
    """SYS_Menu Off ``8x 01 06 06 03 FF`` (VISCA can only close the menu; also PTZOptics OSD close)."""
    return command("SYS_Menu Off", CAT_PAN_TILT, 0x06, OFF)


def info_display(on: bool) -> Request:
    """CAM_InfoDisplay ``8x 01 7E 01 18 0p FF`` (sony-visca#72: send Off after recalls on SRG-300H)."""
    return command("CAM_InfoDisplay", CAT_VENDOR_7E, 0x01, 0x18, on_off(on))


def ir_receive(on: bool | None) -> Request:
    """IR_Receive ``8x 01 06 08 pp FF`` (02 on, 03 off, ``None`` = 10 toggle)."""
    return command("IR_Receive", CAT_PAN_TILT, 0x08, TOGGLE if on is None else on_off(on))


def ir_receive_return(on: bool) -> Request:
    """IR_ReceiveReturn ``8x 01 7D 01 03 00 00 FF`` on / ``…7D 01 13 00 00 FF`` off."""
    return command("IR_ReceiveReturn", CAT_VENDOR_7D, 0x01, 0x03 if on else 0x13, 0x00, 0x00)


# --- interface ------------------------------------------------------------------------


def cancel(socket: int) -> Request:
    """Cancel ``8x 2y FF`` for command socket y (normally 1 or 2)."""
    check_range("socket", socket, 1, 0x0F)
    return Request(f"Cancel {socket}", RequestKind.CANCEL, bytes((CLASS_CANCEL | socket,)))


def address_set() -> Request:
    """AddressSet broadcast ``88 30 01 FF``; answered ``88 30 0w FF`` with w = cameras + 1."""
    return Request("AddressSet", RequestKind.BROADCAST, bytes((CLASS_ADDRESS, 0x01)))


def if_clear(broadcast: bool = True) -> Request:
    """IF_Clear: broadcast ``88 01 00 01 FF`` (echoed back unchanged) or ``8x 01 00 01 FF``.

    The addressed form is answered like an inquiry with no data: ``z0 50 FF`` and no ACK
    (VISCA.md §1.4), hence kind INQUIRY with ``reply_len`` 0.
    """
    body = bytes((CLASS_COMMAND, CAT_INTERFACE, 0x01))
    if broadcast:
        return Request("IF_Clear (broadcast)", RequestKind.BROADCAST, body)
    return Request("IF_Clear", RequestKind.INQUIRY, body, reply_len=0)


__all__ = [
    "MAX_PRESET_0P",
    "MAX_PRESET_PP",
    "address_set",
    "cam_id_write",
    "cancel",
    "if_clear",
    "info_display",
    "ir_receive",
    "ir_receive_return",
    "key_lock",
    "memory_recall",
    "memory_reset",
    "memory_set",
    "menu_off",
    "register_write",
]
