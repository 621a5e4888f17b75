"""Texts of the agent's hub link (keys start with ``agent.link.``)."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "agent.link.enrol.ok": {
            "vi": "Đã đăng ký điểm cầu {room} với máy chủ trung tâm {hub}. Khóa bí mật lưu "
            "tại {path}; dịch vụ điểm cầu sẽ tự kết nối.",
            "en": "Room {room} enrolled at the hub {hub}. The secret is stored in {path}; "
            "the room agent connects by itself.",
        },
        "agent.link.enrol.no_hub": {
            "vi": "Chưa có địa chỉ máy chủ trung tâm: dùng --hub URL hoặc đặt hub.url "
            "trong tệp cấu hình",
            "en": "No hub address: give --hub URL or set hub.url in the configuration file",
        },
        "agent.link.enrol.no_token": {
            "vi": "Cần mã đăng ký: --token MÃ hoặc --token-file TỆP (mã do quản trị viên "
            "máy chủ trung tâm cấp, dùng một lần)",
            "en": "An enrolment token is needed: --token T or --token-file F (issued once by "
            "the hub's administrator)",
        },
        "agent.link.enrol.token_file": {
            "vi": "Không đọc được tệp mã đăng ký {path}: {error}",
            "en": "Cannot read the enrolment token file {path}: {error}",
        },
        "agent.link.enrol.unreachable": {
            "vi": "Không kết nối được máy chủ trung tâm {hub}: {error}. Kiểm tra mạng, "
            "tường lửa và địa chỉ.",
            "en": "Cannot reach the hub {hub}: {error}. Check the network, firewall and address.",
        },
        "agent.link.enrol.timeout": {
            "vi": "Máy chủ trung tâm {hub} không trả lời trong {seconds} giây",
            "en": "The hub {hub} did not answer within {seconds} s",
        },
        "agent.link.enrol.token_refused": {
            "vi": "Máy chủ trung tâm {hub} từ chối mã đăng ký: mã sai, đã dùng hoặc đã hết "
            "hạn. Xin quản trị viên cấp mã mới.",
            "en": "The hub {hub} refused the enrolment token: wrong, already used or "
            "expired. Ask the administrator for a new one.",
        },
        "agent.link.enrol.wrong_room": {
            "vi": "Mã đăng ký này không dành cho điểm cầu {room} ({detail}). Kiểm tra "
            "room.id trong tệp cấu hình hoặc xin mã cho đúng điểm cầu.",
            "en": "This enrolment token is not for room {room} ({detail}). Check room.id in "
            "the configuration file or ask for a token for this room.",
        },
        "agent.link.enrol.failed": {
            "vi": "Đăng ký với máy chủ trung tâm {hub} thất bại (HTTP {status}): {detail}",
            "en": "Enrolment at the hub {hub} failed (HTTP {status}): {detail}",
        },
        "agent.link.enrol.bad_answer": {
            "vi": "Máy chủ trung tâm {hub} trả lời không đúng định dạng đăng ký",
            "en": "The hub {hub} sent an answer that is not an enrolment",
        },
        "checks.hub.link.connected": {
            "vi": "Đã kết nối máy chủ trung tâm {url} (liên tục {seconds} giây)",
            "en": "Linked to the central hub {url} (for {seconds} s)",
        },
        "checks.hub.link.not_enrolled": {
            "vi": "Điểm cầu chưa đăng ký với máy chủ trung tâm {url}",
            "en": "The room is not enrolled at the central hub {url}",
        },
        "checks.hub.link.enrol_hint": {
            "vi": "Xin quản trị viên mã đăng ký rồi chạy: appliance agent enrol --hub {url} "
            "--token MÃ",
            "en": "Ask the administrator for an enrolment token, then run: appliance agent "
            "enrol --hub {url} --token T",
        },
        "checks.hub.link.lost": {
            "vi": "Mất kết nối máy chủ trung tâm {url}: {error}. Kết quả được lưu lại và "
            "gửi khi có kết nối.",
            "en": "No link to the central hub {url}: {error}. Results are kept and sent "
            "once the link is back.",
        },
        "agent.link.command.deadline": {
            "vi": "Lệnh {op} từ máy chủ trung tâm chưa xong sau {seconds} giây",
            "en": "Hub command {op} did not finish within {seconds} s",
        },
    }
)
