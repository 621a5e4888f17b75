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
        "agent.simulate.ready": {
            "vi": "API điều khiển: {base}  (OpenAPI: {openapi})\n"
            "Mã truy cập (token) trong tệp: {token_file}\n"
            'Thử: curl -H "Authorization: Bearer $(cat {token_file})" {base}/devices',
            "en": "Control API: {base}  (OpenAPI: {openapi})\n"
            "Token file: {token_file}\n"
            'Try: curl -H "Authorization: Bearer $(cat {token_file})" {base}/devices',
        },
        "agent.simulate.locked": {
            "vi": "{directory} đang được một agent --simulate khác dùng (PID {pid}); "
            "dừng nó hoặc chọn --room-id / --rooms-dir khác",
            "en": "{directory} is in use by another agent --simulate (PID {pid}); "
            "stop it or choose another --room-id / --rooms-dir",
        },
        "agent.listen.exposed": {
            "vi": "CẢNH BÁO: API điều khiển nghe trên {listen}: mọi máy trong mạng đều tới "
            "được nó (chỉ mã truy cập bảo vệ). Dùng 127.0.0.1 nếu không cần truy cập từ xa.",
            "en": "WARNING: the control API listens on {listen}: every machine on the network "
            "can reach it (only the token protects it). Use 127.0.0.1 unless remote access "
            "is needed.",
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
        "agent.preset.reference_removed": {
            "vi": "Đã xoá ảnh mẫu cũ của vị trí {preset} (khung hình đã đổi); lưu ảnh mẫu mới: "
            "appliance check reference {camera} {preset}",
            "en": "The old reference picture of preset {preset} was removed (the view changed); "
            "store a new one: appliance check reference {camera} {preset}",
        },
        "agent.error.camera_standby": {
            "vi": "Camera {device} đang ở chế độ chờ (tắt) nên không thực hiện {operation}: "
            'hãy bật camera trước (PUT /api/v1/cameras/{device}/power {{"on": true}})',
            "en": "Camera {device} is in standby (off), so it did not do {operation}: "
            'switch it on first (PUT /api/v1/cameras/{device}/power {{"on": true}})',
        },
        "agent.error.interrupted": {
            "vi": "Camera {device} dừng trước khi đến vị trí yêu cầu ({operation}): lệnh dừng "
            "hoặc lệnh di chuyển khác đã cắt ngang; đọc vị trí hiện tại rồi gửi lại nếu cần",
            "en": "Camera {device} stopped before reaching the requested position ({operation}): "
            "a stop or another move cut in; read the position and send it again if needed",
        },
        "agent.error.conflict": {
            "vi": "Xung đột ở thiết bị {device} ({operation}): {detail}",
            "en": "Conflict on device {device} ({operation}): {detail}",
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
        "agent.error.malformed_json": {
            "vi": "Nội dung gửi lên không phải JSON hợp lệ ({operation}): {detail}",
            "en": "The request body is not valid JSON ({operation}): {detail}",
        },
        "agent.error.method_not_allowed": {
            "vi": "Đường dẫn này không nhận phương thức {method}; dùng: {allowed}",
            "en": "This path does not take {method}; use: {allowed}",
        },
        "agent.error.route_not_found": {
            "vi": "Không có đường dẫn {path}",
            "en": "No such path {path}",
        },
        "agent.error.disk_full": {
            "vi": "Thiết bị {device} đã thực hiện lệnh ({operation}), nhưng đĩa đầy nên không ghi được vào {path}. Giải phóng dung lượng trên ổ này (bản ghi cũ, tệp tạm) hoặc báo bộ phận CNTT",
            "en": "Device {device} carried out the command ({operation}), but the disk is full and {path} could not be written. Free space on that disk (old recordings, temporary files) or tell IT",
        },
        "agent.error.internal": {
            "vi": "Lỗi nội bộ ({operation}); xem nhật ký của dịch vụ",
            "en": "Internal error ({operation}); see the agent's log",
        },
    }
)
