"""Texts of the hub's fleet side: commands to rooms, rooms, checks, scenes (keys
``hub.command.*``, ``hub.room.*``, ``hub.error.*``, ``hub.scene.*``, ``hub.check.*``)."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "hub.command.offline": {
            "vi": "Điểm cầu {room} đang mất kết nối với trung tâm: không gửi được lệnh {op}",
            "en": "Room {room} is not connected to the hub: {op} was not sent",
        },
        "hub.command.timeout": {
            "vi": "Điểm cầu {room} không trả lời lệnh {op} kịp thời hạn",
            "en": "Room {room} did not answer {op} in time",
        },
        "hub.command.unavailable": {
            "vi": "Thiết bị của điểm cầu {room} không sẵn sàng cho lệnh {op}",
            "en": "A device of room {room} is unavailable for {op}",
        },
        "hub.command.rejected": {
            "vi": "Điểm cầu {room} từ chối lệnh {op}",
            "en": "Room {room} rejected {op}",
        },
        "hub.command.superseded": {
            "vi": "Lệnh {op} ở điểm cầu {room} đã bị một lệnh mới hơn thay thế",
            "en": "{op} in room {room} was overtaken by a newer command",
        },
        "hub.command.busy": {
            "vi": "Điểm cầu {room} đang bận (lệnh {op})",
            "en": "Room {room} is busy ({op})",
        },
        "hub.command.invalid": {
            "vi": "Tham số của lệnh {op} cho điểm cầu {room} không hợp lệ",
            "en": "Invalid arguments of {op} for room {room}",
        },
        "hub.command.not_found": {
            "vi": "Điểm cầu {room} không có thiết bị hoặc mục được yêu cầu ({op})",
            "en": "Room {room} has no such device or item ({op})",
        },
        "hub.command.internal": {
            "vi": "Lỗi nội bộ khi điểm cầu {room} thực hiện {op}",
            "en": "Internal error while room {room} ran {op}",
        },
        "hub.room.not_found": {
            "vi": "Không có điểm cầu {room}",
            "en": "No room {room}",
        },
        "hub.error.invalid": {
            "vi": "Dữ liệu gửi lên không hợp lệ: {detail}",
            "en": "Invalid input: {detail}",
        },
        "hub.error.internal": {
            "vi": "Lỗi nội bộ của trung tâm; chi tiết trong nhật ký",
            "en": "Internal hub error; details are in the log",
        },
        "hub.check.not_found": {
            "vi": "Không có lượt kiểm tra {run}",
            "en": "No check run {run}",
        },
        "hub.scene.not_found": {
            "vi": "Không có kịch bản {scene}",
            "en": "No scene {scene}",
        },
        "hub.rooms.none_chosen": {
            "vi": "Chưa chọn điểm cầu nào (room_ids, district hoặc all)",
            "en": "No rooms chosen (room_ids, district or all)",
        },
    }
)
