"""Texts of the voice-follow camera (keys start with ``follow.``)."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "follow.cli.agent_down": {
            "vi": "Không kết nối được dịch vụ điểm cầu tại {url} ({error}). Dịch vụ có đang chạy không?",
            "en": "Cannot reach the room agent at {url} ({error}). Is it running?",
        },
        "follow.cli.token_unreadable": {
            "vi": "Không đọc được mã truy cập API {path}: {error}",
            "en": "Cannot read the API token {path}: {error}",
        },
        "follow.cli.refused": {
            "vi": "Dịch vụ điểm cầu từ chối ({status}): {message}",
            "en": "The room agent refused ({status}): {message}",
        },
        "follow.cli.state": {
            "vi": "Camera theo người nói: {state}{pinned}",
            "en": "Voice-follow camera: {state}{pinned}",
        },
        "follow.cli.pinned": {"vi": " — khóa vào {seat}", "en": " — locked on {seat}"},
        "follow.cli.on_air": {
            "vi": "Đang lên hình: {seat} (camera {camera}, vị trí {preset})",
            "en": "On air: {seat} (camera {camera}, preset {preset})",
        },
        "follow.cli.nothing_on_air": {"vi": "Chưa chuyển camera lần nào", "en": "No switch yet"},
        "follow.cli.last_error": {"vi": "Lỗi gần nhất: {error}", "en": "Last error: {error}"},
        "follow.cli.device": {
            "vi": "Thiết bị thu: {device} ({channels} kênh), {switches} lần chuyển",
            "en": "Input: {device} ({channels} channels), {switches} switches",
        },
        "follow.cli.seat": {
            "vi": "  kênh {channel:>2}  {name:<20} {level:>7} dBFS {speaking}",
            "en": "  ch {channel:>2}  {name:<20} {level:>7} dBFS {speaking}",
        },
        "follow.cli.speaking": {"vi": "đang nói", "en": "speaking"},
        "follow.state.off": {"vi": "tắt", "en": "off"},
        "follow.state.starting": {"vi": "đang khởi động", "en": "starting"},
        "follow.state.following": {"vi": "đang theo dõi", "en": "following"},
        "follow.state.pinned": {"vi": "khóa bởi người điều hành", "en": "locked by the operator"},
        "follow.state.error": {"vi": "lỗi", "en": "error"},
        "follow.sim.ready": {
            "vi": 'Phòng họp mô phỏng: {seats} micro đại biểu trên thiết bị "{device}". '
            "Cho dịch vụ điểm cầu dùng môi trường dưới đây. Ctrl-C để dừng.",
            "en": 'Simulated meeting: {seats} seat microphones on the device "{device}". '
            "Give the room agent the environment below. Ctrl-C stops.",
        },
        "follow.sim.turn": {
            "vi": "{at:7.1f} s  đại biểu ghế {seat} phát biểu ({seconds:.1f} s)",
            "en": "{at:7.1f} s  seat {seat} speaks ({seconds:.1f} s)",
        },
        "follow.sim.done": {
            "vi": "Kết thúc cuộc họp: {turns} lượt phát biểu, {coughs} tiếng ho, {overlaps} lần nói chồng",
            "en": "Meeting over: {turns} turns, {coughs} coughs, {overlaps} overlaps",
        },
        "follow.sim.bad_script": {
            "vi": "Kịch bản không hợp lệ: {error}",
            "en": "Bad script: {error}",
        },
        "checks.follow.mic.ok": {
            "vi": "Micro ghế {seat} (kênh {channel}): mức {level} dBFS, nền {floor} dBFS",
            "en": "Seat {seat} microphone (channel {channel}): level {level} dBFS, floor {floor} dBFS",
        },
        "checks.follow.mic.silent": {
            "vi": "Micro ghế {seat} (kênh {channel}) không có tín hiệu (im lặng số)",
            "en": "Seat {seat} microphone (channel {channel}) delivers no signal (digital silence)",
        },
        "checks.follow.mic.stuck": {
            "vi": "Micro ghế {seat} (kênh {channel}) luôn mở: có tiếng {share}% thời gian, nền {floor} dBFS",
            "en": "Seat {seat} microphone (channel {channel}) stuck open: sound {share}% of the time, "
            "floor {floor} dBFS",
        },
        "checks.follow.mic.missing": {
            "vi": 'Không đọc được thiết bị thu nhiều kênh "{device}": {error}',
            "en": 'Cannot read the multichannel input "{device}": {error}',
        },
        "checks.follow.mic.hint": {
            "vi": "Kiểm tra micro ghế {seat}: cắm dây vào kênh {channel} của bộ thu, bật micro, "
            "kiểm tra cấu hình [follow] (device, channels)",
            "en": "Check seat {seat}'s microphone: cable in channel {channel} of the interface, "
            "microphone switched on, the [follow] config (device, channels)",
        },
        "checks.follow.mic.stuck_hint": {
            "vi": "Micro ghế {seat} đang bật liên tục hoặc gần nguồn ồn: tắt nút nói hoặc dời micro",
            "en": "Seat {seat}'s microphone is always on or next to a noise source: switch it off "
            "or move it",
        },
    }
)
