"""Texts of the room demo (keys start with ``demo.``): ``appliance demo`` part 2.

The camera part keeps its texts under ``camera.demo.*`` (appliance/i18n/camera.py).
"""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "demo.part.camera": {
            "vi": "═══ Phần 1: điều khiển camera bằng lệnh của kỹ thuật viên",
            "en": "═══ Part 1: driving the cameras with the technician's commands",
        },
        "demo.part.room": {
            "vi": "═══ Phần 2: cả phòng họp trên phần cứng mô phỏng",
            "en": "═══ Part 2: the whole meeting room on simulated hardware",
        },
        "demo.missing": {
            "vi": "Thiếu {what}: cài gói Debian {packages} (apt-get install {packages}); "
            "trình diễn tiếp tục không có phần này",
            "en": "{what} is missing: install the Debian package(s) {packages} "
            "(apt-get install {packages}); the demo goes on without it",
        },
        "demo.missing.pulse": {
            "vi": "máy chủ âm thanh PulseAudio (micro và loa mô phỏng)",
            "en": "the PulseAudio sound server (simulated microphone and speaker)",
        },
        "demo.missing.xvfb": {
            "vi": "màn hình ảo Xvfb (màn hình phòng họp mô phỏng)",
            "en": "the Xvfb virtual screen (simulated room display)",
        },
        "demo.step": {"vi": "── {what}", "en": "── {what}"},
        "demo.agent.start": {
            "vi": "Khởi động dịch vụ điểm cầu trên phần cứng mô phỏng: {command}",
            "en": "Starting the room agent on simulated hardware: {command}",
        },
        "demo.agent.ready": {
            "vi": "Dịch vụ sẵn sàng sau {seconds:.1f} giây · API {url} · nhật ký {log}",
            "en": "Agent ready after {seconds:.1f} s · API {url} · log {log}",
        },
        "demo.agent.failed": {
            "vi": "Dịch vụ điểm cầu không sẵn sàng: {reason}. Nhật ký ({log}):\n{tail}",
            "en": "The room agent did not get ready: {reason}. Log ({log}):\n{tail}",
        },
        "demo.agent.exited": {
            "vi": "tiến trình đã thoát với mã {code}",
            "en": "the process exited with code {code}",
        },
        "demo.agent.timeout": {
            "vi": "chưa sẵn sàng sau {seconds:.0f} giây ({what})",
            "en": "not ready after {seconds:.0f} s ({what})",
        },
        "demo.devices.title": {
            "vi": "Thiết bị của phòng (GET /api/v1/devices)",
            "en": "The room's devices (GET /api/v1/devices)",
        },
        "demo.devices.id": {"vi": "Thiết bị", "en": "Device"},
        "demo.devices.kind": {"vi": "Loại", "en": "Kind"},
        "demo.devices.state": {"vi": "Trạng thái", "en": "State"},
        "demo.devices.details": {"vi": "Chi tiết", "en": "Details"},
        "demo.kind.camera": {"vi": "camera", "en": "camera"},
        "demo.kind.camera_port": {"vi": "cổng camera", "en": "camera port"},
        "demo.kind.microphone": {"vi": "micro", "en": "microphone"},
        "demo.kind.speaker": {"vi": "loa", "en": "speaker"},
        "demo.kind.display": {"vi": "màn hình", "en": "display"},
        "demo.kind.video": {"vi": "hình camera", "en": "camera video"},
        "demo.state.ready": {"vi": "sẵn sàng", "en": "ready"},
        "demo.state.connecting": {"vi": "đang kết nối", "en": "connecting"},
        "demo.state.idle": {"vi": "mở khi cần", "en": "opened on use"},
        "demo.state.disconnected": {"vi": "mất kết nối", "en": "disconnected"},
        "demo.state.failed": {"vi": "hỏng", "en": "failed"},
        "demo.references": {
            "vi": "Lưu ảnh mẫu cho các vị trí đặt sẵn, như kỹ thuật viên làm khi lắp đặt "
            "(để kiểm tra so sánh hình khi gọi vị trí)",
            "en": "Storing the reference pictures of the presets, as the technician does at "
            "installation (the check compares each recall with them)",
        },
        "demo.check": {
            "vi": "Kiểm tra sẵn sàng qua dịch vụ: appliance check {args}",
            "en": "Readiness check through the agent: appliance check {args}",
        },
        "demo.check.first": {
            "vi": "Kiểm tra trước cuộc họp — mong đợi: ĐẠT",
            "en": "Check before the meeting — expected: PASS",
        },
        "demo.fault": {
            "vi": "Sự cố: rút cáp điều khiển RS-232 của camera {camera} khỏi chuỗi camera "
            "(bộ mô phỏng: {message})",
            "en": "Fault: camera {camera}'s RS-232 control cable is pulled off the chain "
            "(simulator: {message})",
        },
        "demo.check.fault": {
            "vi": "Kiểm tra lại — mong đợi: LỖI ở camera {camera}, kèm cách khắc phục",
            "en": "Check again — expected: FAIL on camera {camera}, with the remedy",
        },
        "demo.fault.seen": {
            "vi": "Đúng như mong đợi — {item}: LỖI. {message}\n   Cách khắc phục: {hint}",
            "en": "As expected — {item}: FAIL. {message}\n   Remedy: {hint}",
        },
        "demo.replug": {
            "vi": "Kỹ thuật viên cắm lại cáp camera {camera} (bộ mô phỏng: {message})",
            "en": "The technician plugs camera {camera}'s cable back in (simulator: {message})",
        },
        "demo.check.last": {
            "vi": "Kiểm tra lần cuối — mong đợi: ĐẠT",
            "en": "Final check — expected: PASS",
        },
        "demo.fault.cleared": {
            "vi": "Camera {camera} hoạt động trở lại — {item}: ĐẠT",
            "en": "Camera {camera} is back — {item}: PASS",
        },
        "demo.unexpected": {
            "vi": "Kết quả không như mong đợi: {expected}, nhưng {got}",
            "en": "Unexpected result: expected {expected}, got {got}",
        },
        "demo.expected.exit": {"vi": "mã thoát {code}", "en": "exit code {code}"},
        "demo.expected.item": {"vi": "{item} {status}", "en": "{item} {status}"},
        "demo.agent.stop": {
            "vi": "Dừng dịch vụ điểm cầu (SIGTERM tới PID {pid})",
            "en": "Stopping the room agent (SIGTERM to PID {pid})",
        },
        "demo.agent.stopped": {
            "vi": "Dịch vụ đã dừng sau {seconds:.1f} giây, mã thoát {code}",
            "en": "Agent stopped after {seconds:.1f} s, exit code {code}",
        },
        "demo.keep": {
            "vi": "Phòng mô phỏng vẫn chạy — thử API điều khiển:\n"
            "   API:            {url}   (OpenAPI: {docs})\n"
            "   Mã truy cập:    {token_file}\n"
            "   Cấu hình:       {config}\n"
            "   Gây sự cố:      {control}\n"
            '   Ví dụ:  curl -H "Authorization: Bearer $(cat {token_file})" {url}/devices\n'
            "           appliance check --config {config}\n"
            "Nhấn Ctrl-C để dừng.",
            "en": "The simulated room keeps running — explore the control API:\n"
            "   API:            {url}   (OpenAPI: {docs})\n"
            "   Token file:     {token_file}\n"
            "   Config:         {config}\n"
            "   Fault control:  {control}\n"
            '   Try:  curl -H "Authorization: Bearer $(cat {token_file})" {url}/devices\n'
            "         appliance check --config {config}\n"
            "Press Ctrl-C to stop.",
        },
        "demo.room.done": {
            "vi": "Hoàn tất phần phòng họp: sự cố được phát hiện và khắc phục ({seconds:.1f} giây)",
            "en": "Room part finished: the fault was found and cleared ({seconds:.1f} s)",
        },
        "demo.room.failed": {
            "vi": "Trình diễn phòng họp dừng lại: {reason}",
            "en": "The room demo stopped: {reason}",
        },
        "demo.done": {
            "vi": "Hoàn tất trình diễn ({seconds:.1f} giây)",
            "en": "Demo finished ({seconds:.1f} s)",
        },
    }
)
