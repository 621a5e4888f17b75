"""Texts of the demo province (keys ``demo.province.*``): ``appliance demo province``."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "demo.province.rooms_started": {
            "vi": "Đã khởi động {count} điểm cầu mô phỏng; chờ kết nối về trung tâm…",
            "en": "{count} simulated rooms started; waiting for them to link to the hub…",
        },
        "demo.province.online": {
            "vi": "  trực tuyến: {online}/{total} điểm cầu",
            "en": "  online: {online}/{total} rooms",
        },
        "demo.province.hub_up": {
            "vi": "Trung tâm điều hành đang chạy: {url}",
            "en": "The hub is up: {url}",
        },
        "demo.province.ready": {
            "vi": "\n✔ {count} điểm cầu trực tuyến sau {seconds} giây.\n"
            "   Bảng điều khiển:  {url}\n"
            "   Tài khoản:        {user}   mật khẩu: {password}\n"
            "   Thư mục:          {directory}\n"
            "Nhấn Ctrl-C để dừng tất cả.",
            "en": "\n✔ {count} rooms online after {seconds} s.\n"
            "   Dashboard:  {url}\n"
            "   Account:    {user}   password: {password}\n"
            "   Directory:  {directory}\n"
            "Press Ctrl-C to stop everything.",
        },
        "demo.province.fault.camera": {
            "vi": "Sự cố mô phỏng tại {room}: camera 2 bị tuột cáp RS-232",
            "en": "Planted fault in {room}: camera 2 is off its RS-232 chain",
        },
        "demo.province.fault.microphone": {
            "vi": "Sự cố mô phỏng tại {room}: micro không có tín hiệu",
            "en": "Planted fault in {room}: the microphone is dead",
        },
        "demo.province.fault.tv": {
            "vi": "Sự cố mô phỏng tại {room}: màn hình không hiển thị (TV đang tắt)",
            "en": "Planted fault in {room}: the display shows nothing (the TV is off)",
        },
        "demo.province.fault_failed": {
            "vi": "Không tạo được sự cố mô phỏng tại {room}: {error}",
            "en": "Could not plant the fault in {room}: {error}",
        },
        "demo.province.no_audio": {
            "vi": "Không có máy chủ âm thanh dùng chung ({error}); các điểm cầu chạy không có "
            "micro và loa mô phỏng",
            "en": "No shared sound server ({error}); the rooms run without simulated "
            "microphones and speakers",
        },
        "demo.province.no_screen": {
            "vi": "Không có màn hình ảo dùng chung ({error}); các điểm cầu chạy không có màn hình",
            "en": "No shared virtual screen ({error}); the rooms run without a display",
        },
        "demo.province.hub_timeout": {
            "vi": "Trung tâm điều hành không khởi động được. Nhật ký:\n{log}",
            "en": "The hub did not start. Its log:\n{log}",
        },
        "demo.province.token_failed": {
            "vi": "Không cấp được mã đăng ký cho {room}: HTTP {status} {body}",
            "en": "Could not issue the enrolment token of {room}: HTTP {status} {body}",
        },
        "demo.province.login_failed": {
            "vi": "Không đăng nhập được vào trung tâm bằng tài khoản quản trị (HTTP {status})",
            "en": "Could not log in to the hub as the administrator (HTTP {status})",
        },
        "demo.province.step_failed": {
            "vi": "Bước «{step}» thất bại: {error}",
            "en": "Step '{step}' failed: {error}",
        },
        "demo.province.online_timeout": {
            "vi": "Sau {seconds} giây mới có {online}/{total} điểm cầu trực tuyến; xem nhật ký "
            "trong thư mục logs/ của trình diễn",
            "en": "After {seconds} s only {online}/{total} rooms are online; see the logs/ "
            "folder of the demo",
        },
        "demo.province.died": {
            "vi": "Tiến trình {name} đã dừng (mã {code}). Nhật ký:\n{log}",
            "en": "Process {name} stopped (exit code {code}). Its log:\n{log}",
        },
        "demo.province.bad_rooms": {
            "vi": "Số điểm cầu phải từ 1 đến {max}",
            "en": "The number of rooms must be 1 to {max}",
        },
        "demo.province.first_check": {
            "vi": "Đã bắt đầu kiểm tra sẵn sàng {count} điểm cầu (xem trên bảng điều khiển)",
            "en": "A readiness check of the {count} rooms has started (see the dashboard)",
        },
        "demo.province.meeting_title": {
            "vi": "Họp trực tuyến UBND tỉnh với các huyện (mô phỏng)",
            "en": "Province committee online meeting with the districts (simulated)",
        },
        "demo.province.meeting": {
            "vi": "Lịch họp: cuộc họp toàn tỉnh lúc {start}; kiểm tra sẵn sàng tự động lúc {check}",
            "en": "Schedule: a province-wide meeting at {start}; automatic readiness check at {check}",
        },
        "demo.province.meeting_failed": {
            "vi": "Không tạo được cuộc họp mẫu (HTTP {status})",
            "en": "The sample meeting could not be created (HTTP {status})",
        },
        "demo.province.first_check_failed": {
            "vi": "Không bắt đầu được lượt kiểm tra đầu tiên (HTTP {status})",
            "en": "Could not start the first check (HTTP {status})",
        },
        "demo.province.stopping": {
            "vi": "Đang dừng các điểm cầu, trung tâm và phần cứng mô phỏng…",
            "en": "Stopping the rooms, the hub and the simulated hardware…",
        },
        "demo.province.stopped": {
            "vi": "Đã dừng tất cả.",
            "en": "Everything stopped.",
        },
    }
)
