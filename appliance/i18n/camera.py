"""Texts of the camera domain (keys start with ``camera.``): technician CLI, simulator, demo.

Vietnamese first: a district technician reads these at the room PC. Placeholders use
``str.format`` syntax (format specs allowed: ``{pan_deg:+.1f}``).
"""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        # --- states and directions ---------------------------------------------------
        "camera.power.on": {"vi": "Camera đang bật", "en": "Camera is on"},
        "camera.power.off": {
            "vi": "Camera đang ở chế độ chờ (tắt)",
            "en": "Camera is in standby (off)",
        },
        "camera.power.fault": {
            "vi": "Camera báo lỗi mạch nguồn",
            "en": "Camera reports a power circuit fault",
        },
        "camera.dir.left": {"vi": "sang trái", "en": "left"},
        "camera.dir.right": {"vi": "sang phải", "en": "right"},
        "camera.dir.up": {"vi": "lên trên", "en": "up"},
        "camera.dir.down": {"vi": "xuống dưới", "en": "down"},
        "camera.dir.up-left": {"vi": "lên trên, sang trái", "en": "up and left"},
        "camera.dir.up-right": {"vi": "lên trên, sang phải", "en": "up and right"},
        "camera.dir.down-left": {"vi": "xuống dưới, sang trái", "en": "down and left"},
        "camera.dir.down-right": {"vi": "xuống dưới, sang phải", "en": "down and right"},
        "camera.zoom.tele": {"vi": "phóng to (tele)", "en": "in (tele)"},
        "camera.zoom.wide": {"vi": "thu nhỏ (wide)", "en": "out (wide)"},
        # --- technician CLI results ----------------------------------------------------
        "camera.info.title": {
            "vi": "Camera địa chỉ {address} trên {port}",
            "en": "Camera at address {address} on {port}",
        },
        "camera.info.chain": {
            "vi": "Chuỗi nối tiếp có {count} camera",
            "en": "The serial chain holds {count} camera(s)",
        },
        "camera.info.model": {
            "vi": "Model: {title} (hồ sơ {profile})",
            "en": "Model: {title} (profile {profile})",
        },
        "camera.info.version": {
            "vi": "Mã hãng {vendor:04X}, mã model {model:04X}, ROM {rom:04X}, {sockets} socket lệnh",
            "en": "Vendor {vendor:04X}, model {model:04X}, ROM {rom:04X}, {sockets} command sockets",
        },
        "camera.info.refused": {
            "vi": "{what}: camera không trả lời câu hỏi này — {reason}",
            "en": "{what}: the camera did not answer this inquiry — {reason}",
        },
        "camera.what.version": {"vi": "Phiên bản", "en": "Version"},
        "camera.what.power": {"vi": "Nguồn", "en": "Power"},
        "camera.what.position": {"vi": "Vị trí", "en": "Position"},
        "camera.what.zoom": {"vi": "Zoom", "en": "Zoom"},
        "camera.what.focus_mode": {"vi": "Chế độ lấy nét", "en": "Focus mode"},
        "camera.what.focus": {"vi": "Vị trí lấy nét", "en": "Focus position"},
        "camera.info.focus": {
            "vi": "Lấy nét: {mode}, vị trí {focus}",
            "en": "Focus: {mode}, position {focus}",
        },
        "camera.focus.auto": {"vi": "tự động", "en": "auto"},
        "camera.focus.manual": {"vi": "thủ công", "en": "manual"},
        "camera.position": {
            "vi": "Vị trí: pan {pan_deg:+.1f}° ({pan} đơn vị), tilt {tilt_deg:+.1f}° ({tilt} đơn vị)",
            "en": "Position: pan {pan_deg:+.1f}° ({pan} units), tilt {tilt_deg:+.1f}° ({tilt} units)",
        },
        "camera.zoom.position": {
            "vi": "Zoom: {zoom} ({percent:.0f}% dải zoom quang học)",
            "en": "Zoom: {zoom} ({percent:.0f}% of the optical range)",
        },
        "camera.power.done_on": {
            "vi": "Đã bật camera {address}",
            "en": "Camera {address} switched on",
        },
        "camera.power.done_off": {
            "vi": "Đã tắt camera {address} (chế độ chờ)",
            "en": "Camera {address} switched to standby",
        },
        "camera.move.started": {
            "vi": "Camera {address} đang quay {direction}, tốc độ {speed}",
            "en": "Camera {address} moving {direction}, speed {speed}",
        },
        "camera.move.stopped_after": {
            "vi": "Đã dừng sau {seconds:.1f} giây",
            "en": "Stopped after {seconds:.1f} s",
        },
        "camera.move.keeps_moving": {
            "vi": "Camera tiếp tục quay tới giới hạn; để dừng: appliance camera --port {port} stop",
            "en": "The camera keeps moving to its limit; to stop it: appliance camera --port {port} stop",
        },
        "camera.interrupted": {
            "vi": "Đã ngắt lệnh (Ctrl-C)",
            "en": "Interrupted (Ctrl-C)",
        },
        "camera.interrupted.stopped": {
            "vi": "Ctrl-C: đã dừng camera {address}",
            "en": "Ctrl-C: camera {address} stopped",
        },
        "camera.interrupted.not_stopped": {
            "vi": "Ctrl-C: KHÔNG dừng được camera ({error}); hãy chạy: appliance camera --port {port} stop",
            "en": "Ctrl-C: could NOT stop the camera ({error}); run: appliance camera --port {port} stop",
        },
        "camera.stop.done": {"vi": "Đã dừng camera {address}", "en": "Camera {address} stopped"},
        "camera.goto.done": {
            "vi": "Camera {address} đã đến pan {pan_deg:+.1f}°, tilt {tilt_deg:+.1f}° ({seconds:.1f} giây)",
            "en": "Camera {address} reached pan {pan_deg:+.1f}°, tilt {tilt_deg:+.1f}° ({seconds:.1f} s)",
        },
        "camera.zoom.started": {"vi": "Đang zoom {direction}", "en": "Zooming {direction}"},
        "camera.zoom.stopped": {"vi": "Đã dừng zoom", "en": "Zoom stopped"},
        "camera.zoom.done": {
            "vi": "Zoom đã đến vị trí {zoom} ({percent:.0f}% dải zoom quang học)",
            "en": "Zoom reached {zoom} ({percent:.0f}% of the optical range)",
        },
        "camera.preset.stored": {"vi": "Đã lưu vị trí đặt sẵn {n}", "en": "Preset {n} stored"},
        "camera.preset.recalled": {
            "vi": "Đã chuyển đến vị trí đặt sẵn {n} ({seconds:.1f} giây)",
            "en": "Moved to preset {n} ({seconds:.1f} s)",
        },
        "camera.preset.reset": {"vi": "Đã xóa vị trí đặt sẵn {n}", "en": "Preset {n} cleared"},
        # --- technician CLI errors (one line, exit code 1) -------------------------------
        "camera.error.prefix": {"vi": "Lỗi: {message}", "en": "Error: {message}"},
        "camera.error.port_missing": {
            "vi": "không tìm thấy cổng {port} — kiểm tra bộ chuyển USB-RS232 đã cắm và đường dẫn đúng",
            "en": "port {port} not found — check the USB-RS232 adapter is plugged in and the path is right",
        },
        "camera.error.port_busy": {
            "vi": "cổng {port} đang bị chương trình khác giữ (ví dụ dịch vụ điểm cầu) — dừng chương trình đó rồi thử lại",
            "en": "port {port} is held by another program (e.g. the room agent) — stop it and try again",
        },
        "camera.error.permission": {
            "vi": "không có quyền mở cổng {port} — chạy bằng root hoặc thêm tài khoản vào nhóm dialout",
            "en": "no permission to open {port} — run as root or add the account to the dialout group",
        },
        "camera.error.unavailable": {
            "vi": "không dùng được {port}: {detail}",
            "en": "cannot use {port}: {detail}",
        },
        "camera.error.timeout": {
            "vi": "camera địa chỉ {address} trên {port} không trả lời — kiểm tra nguồn camera, cáp và địa chỉ",
            "en": "camera at address {address} on {port} does not answer — check the camera's power, cable and address",
        },
        "camera.error.no_camera": {
            "vi": "không có camera địa chỉ {address} trên {port} (chuỗi chỉ có {count} camera)",
            "en": "no camera at address {address} on {port} (the chain holds {count})",
        },
        "camera.error.rejected": {
            "vi": "camera từ chối lệnh {operation}: {reason}",
            "en": "the camera refused {operation}: {reason}",
        },
        "camera.error.superseded": {
            "vi": "lệnh {operation} chưa xong thì bị lệnh {by} thay thế (có bộ điều khiển khác?)",
            "en": "{operation} was superseded by {by} before it finished (another controller?)",
        },
        "camera.error.noise": {
            "vi": "camera trên {port} trả lời bằng tín hiệu nhiễu: kiểm tra tốc độ baud và cáp",
            "en": "the camera on {port} answers with noise: check baud rate and cable",
        },
        "camera.error.protocol": {
            "vi": "camera trả lời sai giao thức VISCA: {detail}",
            "en": "the camera's answer is not valid VISCA: {detail}",
        },
        "camera.error.invalid": {
            "vi": "giá trị không hợp lệ: {detail}",
            "en": "invalid value: {detail}",
        },
        "camera.error.standby": {
            "vi": "camera {address} đang ở chế độ chờ (tắt): hãy bật camera trước — "
            "appliance camera --port {port} --address {address} power on",
            "en": "camera {address} is in standby (off): switch it on first — "
            "appliance camera --port {port} --address {address} power on",
        },
        "camera.warn.other_model": {
            "vi": "Cảnh báo: đã chọn --model {given} nhưng camera báo là {found} (mã hãng "
            "{vendor}, mã model {model}); vị trí và giới hạn có thể sai — dùng --model auto",
            "en": "Warning: --model {given} was given but the camera says it is {found} "
            "(vendor {vendor}, model {model}); positions and limits may be wrong — use "
            "--model auto",
        },
        "camera.warn.out_of_range": {
            "vi": "Cảnh báo: vị trí pan {pan}, tilt {tilt} nằm ngoài giới hạn của model "
            "{profile} (pan {pan_range}, tilt {tilt_range}): có thể chọn sai model — dùng "
            "--model auto",
            "en": "Warning: pan {pan}, tilt {tilt} is outside the range of model {profile} "
            "(pan {pan_range}, tilt {tilt_range}): probably the wrong model — use --model auto",
        },
        "camera.error.duration": {
            "vi": "thời gian quay phải ≥ 0 giây (0 = quay tiếp), không phải {duration:g}",
            "en": "the move duration must be ≥ 0 seconds (0 = keep moving), not {duration:g}",
        },
        "camera.error.port_spec": {
            "vi": "cổng không hợp lệ: {detail}",
            "en": "invalid port: {detail}",
        },
        "camera.reason.01": {"vi": "lệnh quá dài", "en": "message too long"},
        "camera.reason.02": {
            "vi": "lệnh hoặc tham số không hợp lệ với model này",
            "en": "command or parameter not valid for this model",
        },
        "camera.reason.03": {
            "vi": "camera đang bận hai lệnh khác",
            "en": "both command buffers are busy",
        },
        "camera.reason.04": {"vi": "lệnh đã bị hủy", "en": "the command was canceled"},
        "camera.reason.05": {"vi": "không có lệnh nào để hủy", "en": "no command to cancel"},
        "camera.reason.41": {
            "vi": "không thực hiện được lúc này (camera đang chờ, đang mở menu hoặc đang bận)",
            "en": "not executable now (standby, menu open, or busy)",
        },
        "camera.reason.other": {"vi": "mã lỗi {code:02X}", "en": "error code {code:02X}"},
        # --- simulator ------------------------------------------------------------------
        "camera.sim.started": {
            "vi": "Đang mô phỏng {count} camera {model} tại {where}. Nhấn Ctrl-C để dừng.",
            "en": "Simulating {count} × {model} at {where}. Press Ctrl-C to stop.",
        },
        "camera.sim.faults": {
            "vi": "Lỗi giả lập đang bật: {faults}",
            "en": "Injected faults: {faults}",
        },
        "camera.sim.unplugged": {
            "vi": "Đã rút cáp (mô phỏng): camera không còn trên cổng",
            "en": "Cable pulled (simulated): the cameras are gone from the port",
        },
        "camera.sim.replugged": {
            "vi": "Đã cắm lại cáp (mô phỏng)",
            "en": "Cable plugged back (simulated)",
        },
        "camera.sim.unplug_pty": {
            "vi": "--unplug-after/--replug-after chỉ dùng với --port pty",
            "en": "--unplug-after/--replug-after work with --port pty only",
        },
        "camera.sim.stopped": {"vi": "Đã dừng mô phỏng camera", "en": "Camera simulator stopped"},
        "camera.sim.error": {
            "vi": "Không khởi động được mô phỏng camera: {error}",
            "en": "Could not start the camera simulator: {error}",
        },
        # --- demo -----------------------------------------------------------------------
        "camera.demo.title": {
            "vi": "Trình diễn: chuỗi {count} camera mô phỏng ({model}) trên cổng nối tiếp ảo {path}",
            "en": "Demo: a chain of {count} simulated cameras ({model}) on the virtual serial port {path}",
        },
        "camera.demo.step": {"vi": "── Bước {n}: {what}", "en": "── Step {n}: {what}"},
        "camera.demo.step.info": {
            "vi": "thông tin camera {address}",
            "en": "camera {address} information",
        },
        "camera.demo.step.move": {
            "vi": "quay camera {address} sang phải {seconds:.1f} giây",
            "en": "pan camera {address} right for {seconds:.1f} s",
        },
        "camera.demo.step.stop": {"vi": "dừng camera {address}", "en": "stop camera {address}"},
        "camera.demo.step.goto": {
            "vi": "đưa camera {address} đến pan {pan:+.0f}°, tilt {tilt:+.0f}°",
            "en": "send camera {address} to pan {pan:+.0f}°, tilt {tilt:+.0f}°",
        },
        "camera.demo.step.store": {
            "vi": "lưu vị trí đặt sẵn {n} cho camera {address}",
            "en": "store preset {n} on camera {address}",
        },
        "camera.demo.step.home": {
            "vi": "đưa camera {address} về giữa",
            "en": "send camera {address} home",
        },
        "camera.demo.step.recall": {
            "vi": "gọi lại vị trí đặt sẵn {n} của camera {address}",
            "en": "recall preset {n} on camera {address}",
        },
        "camera.demo.step.position": {
            "vi": "đọc vị trí camera {address}",
            "en": "read camera {address} position",
        },
        "camera.demo.done": {
            "vi": "Hoàn tất trình diễn: {steps} bước đều thành công ({seconds:.1f} giây)",
            "en": "Demo finished: all {steps} steps succeeded ({seconds:.1f} s)",
        },
        "camera.demo.failed": {
            "vi": "Trình diễn dừng ở bước {n} ({what}), mã thoát {code}",
            "en": "Demo stopped at step {n} ({what}), exit code {code}",
        },
    }
)
