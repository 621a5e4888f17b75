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
    }
)
