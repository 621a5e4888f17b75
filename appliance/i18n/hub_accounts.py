"""Texts of the hub's accounts and security (keys ``hub.auth.*``, ``hub.users.*``,
``hub.rooms_admin.*``, ``hub.cli.*``)."""

from __future__ import annotations

from appliance.i18n import register

register(
    {
        "hub.auth.required": {
            "vi": "Cần đăng nhập (phiên hoặc mã API)",
            "en": "Authentication required (session or API token)",
        },
        "hub.auth.forbidden": {
            "vi": "Tài khoản của bạn không có quyền thực hiện thao tác này",
            "en": "Your account may not do this",
        },
        "hub.auth.csrf": {
            "vi": "Thiếu hoặc sai mã chống giả mạo (CSRF); hãy tải lại trang",
            "en": "Missing or wrong anti-forgery (CSRF) token; reload the page",
        },
        "hub.auth.bad_login": {
            "vi": "Sai tên đăng nhập hoặc mật khẩu",
            "en": "Wrong username or password",
        },
        "hub.auth.locked": {
            "vi": "Tài khoản tạm khoá do nhập sai mật khẩu nhiều lần; thử lại sau {minutes} phút",
            "en": "Account locked after repeated wrong passwords; try again in {minutes} min",
        },
        "hub.auth.rate_limited": {
            "vi": "Quá nhiều lần đăng nhập; thử lại sau {seconds} giây",
            "en": "Too many login attempts; try again in {seconds} s",
        },
        "hub.auth.logged_out": {
            "vi": "Đã đăng xuất",
            "en": "Logged out",
        },
        "hub.users.weak_password": {
            "vi": "Mật khẩu không hợp lệ: cần ít nhất {min} ký tự",
            "en": "Password not accepted: at least {min} characters",
        },
        "hub.store.room_not_found": {
            "vi": "Không có điểm cầu {room}",
            "en": "Room {room} does not exist",
        },
        "hub.store.room_exists": {
            "vi": "Điểm cầu {room} đã có",
            "en": "Room {room} exists already",
        },
        "hub.store.rooms_twice": {
            "vi": "Mã điểm cầu bị lặp: {rooms}",
            "en": "Room id listed twice: {rooms}",
        },
        "hub.store.rooms_file": {
            "vi": "Danh sách điểm cầu không hợp lệ, chưa nhập gì: {detail}",
            "en": "Invalid rooms list, nothing imported: {detail}",
        },
        "hub.store.bad_ttl": {
            "vi": "Thời hạn của mã phải lớn hơn 0 giây",
            "en": "The token's lifetime must be more than 0 s",
        },
        "hub.store.enrol_refused": {
            "vi": "Mã đăng ký không đúng, đã dùng hoặc đã hết hạn",
            "en": "Enrolment token unknown, used or expired",
        },
        "hub.store.enrol_other_room": {
            "vi": "Mã đăng ký này được cấp cho điểm cầu khác, không phải {room}",
            "en": "This enrolment token was issued for another room, not {room}",
        },
        "hub.store.no_result": {
            "vi": "Không có kết quả kiểm tra {run} của điểm cầu {room}",
            "en": "No check result {run} of room {room}",
        },
        "hub.store.scene_not_found": {
            "vi": "Không có cảnh {scene}",
            "en": "Scene {scene} does not exist",
        },
        "hub.store.scene_exists": {
            "vi": "Đã có cảnh tên {name}",
            "en": "A scene named {name} exists already",
        },
        "hub.store.scene_unknown_rooms": {
            "vi": "Cảnh có điểm cầu không tồn tại: {rooms}",
            "en": "Unknown room(s) in the scene: {rooms}",
        },
        "hub.store.user_not_found": {
            "vi": "Không có tài khoản {user}",
            "en": "User {user} does not exist",
        },
        "hub.store.user_exists": {
            "vi": "Tài khoản {user} đã có",
            "en": "User {user} exists already",
        },
        "hub.store.token_not_found": {
            "vi": "Không có mã API {token}",
            "en": "API token {token} does not exist",
        },
        "hub.store.unknown_role": {
            "vi": "Vai trò không hợp lệ: {role} (chọn một trong: {roles})",
            "en": "Unknown role {role} (one of: {roles})",
        },
        "hub.store.technician_district": {
            "vi": "Kỹ thuật viên cần được giao ít nhất một huyện",
            "en": "A technician needs at least one district",
        },
        "hub.users.self_change": {
            "vi": "Quản trị viên không thể tự khoá, hạ quyền hay xoá tài khoản của chính mình",
            "en": "An administrator cannot disable, demote or delete their own account",
        },
        "hub.cli.admin_created": {
            "vi": "Đã tạo tài khoản quản trị {username}",
            "en": "Administrator account {username} created",
        },
        "hub.cli.db_upgraded": {
            "vi": "Cơ sở dữ liệu đã ở phiên bản mới nhất ({revision})",
            "en": "Database at the newest schema ({revision})",
        },
        "hub.cli.rooms_imported": {
            "vi": "Nhập điểm cầu: {added} thêm mới, {updated} cập nhật, {unchanged} không đổi",
            "en": "Rooms imported: {added} added, {updated} updated, {unchanged} unchanged",
        },
        "hub.cli.room_added": {
            "vi": "Đã thêm điểm cầu {room} ({name}, {district})",
            "en": "Room {room} added ({name}, {district})",
        },
        "hub.cli.token_issued": {
            "vi": "Mã đăng ký một lần cho điểm cầu {room} (hết hạn sau {hours} giờ; chỉ hiện "
            "một lần):",
            "en": "One-time enrolment token for room {room} (expires in {hours} h; shown once):",
        },
        "hub.cli.error": {
            "vi": "Lỗi: {error}",
            "en": "Error: {error}",
        },
        "hub.cli.report_bad_choice": {
            "vi": "--group là room hoặc district; --format là json, csv hoặc pdf",
            "en": "--group is room or district; --format is json, csv or pdf",
        },
        "hub.cli.report_period_choice": {
            "vi": "Cần --month YYYY-MM, hoặc cả --from và --to (không dùng cùng lúc)",
            "en": "Give --month YYYY-MM, or both --from and --to (not both ways)",
        },
        "hub.cli.report_pdf_needs_month": {
            "vi": "Báo cáo PDF là báo cáo tháng: dùng --month YYYY-MM thay cho --from/--to",
            "en": "The PDF report is a monthly one: use --month YYYY-MM instead of --from/--to",
        },
        "hub.cli.report_bad_period": {
            "vi": "--to phải sau --from",
            "en": "--to must be after --from",
        },
        "hub.cli.report_written": {
            "vi": "Đã ghi báo cáo ({rows} dòng) vào {path}",
            "en": "Report written ({rows} rows) to {path}",
        },
    }
)
