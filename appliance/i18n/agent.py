"""Texts of the agent domain (keys start with ``agent.``)."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "agent.config.ok": {
            "vi": "OK — cấu hình hợp lệ: {path} (điểm cầu {room}: {cameras} camera, "
            "{microphones} micro, {speakers} loa, {displays} màn hình)",
            "en": "OK — configuration valid: {path} (room {room}: {cameras} cameras, "
            "{microphones} microphones, {speakers} speakers, {displays} displays)",
        },
        "agent.config.error": {
            "vi": "Lỗi cấu hình: {error}",
            "en": "Configuration error: {error}",
        },
        "agent.start.failed": {
            "vi": "Không khởi động được dịch vụ điểm cầu: {error}",
            "en": "The room agent could not start: {error}",
        },
        "agent.started": {
            "vi": "Dịch vụ điểm cầu {room} đang chạy, API điều khiển tại http://{listen}/api/v1",
            "en": "Room agent {room} running, control API at http://{listen}/api/v1",
        },
        "agent.stopped": {
            "vi": "Dịch vụ điểm cầu đã dừng",
            "en": "Room agent stopped",
        },
        "agent.simulate.started": {
            "vi": "Phần cứng mô phỏng: cấu hình sinh ra tại {path}",
            "en": "Simulated hardware: generated configuration at {path}",
        },
        "agent.simulate.no_pulse": {
            "vi": "Không có PulseAudio (cài gói Debian 'pulseaudio'): micro và loa sẽ báo "
            "không khả dụng",
            "en": "PulseAudio is missing (install the Debian package 'pulseaudio'): microphones "
            "and speakers will show as unavailable",
        },
        "agent.simulate.no_xvfb": {
            "vi": "Không có Xvfb (cài gói Debian 'xvfb'): màn hình sẽ báo không khả dụng",
            "en": "Xvfb is missing (install the Debian package 'xvfb'): displays will show as "
            "unavailable",
        },
        "agent.token.insecure": {
            "vi": "Tệp mã truy cập {path} cho nhóm/người khác đọc được (quyền {mode}); "
            "chạy: chmod 600 {path}",
            "en": "Token file {path} is readable by group/others (mode {mode}); "
            "run: chmod 600 {path}",
        },
        # Control API errors (JSON "message"; the device and operation are filled in).
        "agent.error.device_unavailable": {
            "vi": "Thiết bị {device} không khả dụng ({operation}): {detail}",
            "en": "Device {device} is unavailable ({operation}): {detail}",
        },
        "agent.error.device_timeout": {
            "vi": "Thiết bị {device} không trả lời kịp ({operation}): {detail}",
            "en": "Device {device} did not answer in time ({operation}): {detail}",
        },
        "agent.error.command_rejected": {
            "vi": "Thiết bị {device} từ chối lệnh ({operation}): {detail}",
            "en": "Device {device} rejected the command ({operation}): {detail}",
        },
        "agent.error.superseded": {
            "vi": "Thiết bị {device}: lệnh ({operation}) chưa xong thì bị lệnh mới hơn thay thế"
            " — {detail}",
            "en": "Device {device}: the command ({operation}) was superseded before it"
            " finished — {detail}",
        },
        "agent.error.line_noise": {
            "vi": "Camera {device} trả lời bằng tín hiệu nhiễu ({operation}): kiểm tra tốc độ"
            " baud và cáp — {detail}",
            "en": "Camera {device} answers with noise ({operation}): check baud rate and cable"
            " — {detail}",
        },
        "agent.error.not_supported": {
            "vi": "Thiết bị {device} không hỗ trợ thao tác này ({operation}): {detail}",
            "en": "Device {device} does not support this ({operation}): {detail}",
        },
        "agent.error.protocol_error": {
            "vi": "Thiết bị {device} trả lời sai giao thức ({operation}): {detail}",
            "en": "Device {device} answered outside the protocol ({operation}): {detail}",
        },
        "agent.error.not_found": {
            "vi": "Không có thiết bị {device} ({operation})",
            "en": "No such device {device} ({operation})",
        },
        "agent.error.invalid_input": {
            "vi": "Dữ liệu không hợp lệ ({operation}): {detail}",
            "en": "Invalid input ({operation}): {detail}",
        },
        "agent.error.unauthorized": {
            "vi": "Thiếu hoặc sai mã truy cập (Authorization: Bearer …)",
            "en": "Missing or wrong access token (Authorization: Bearer …)",
        },
        "agent.error.check_engine_unavailable": {
            "vi": "Bộ kiểm tra sẵn sàng chưa có (check engine not available)",
            "en": "check engine not available",
        },
        "agent.error.check_not_found": {
            "vi": "Không có lần kiểm tra {device}",
            "en": "No check run {device}",
        },
        "agent.error.internal": {
            "vi": "Lỗi nội bộ ({operation}); xem nhật ký của dịch vụ",
            "en": "Internal error ({operation}); see the agent's log",
        },
    }
)
