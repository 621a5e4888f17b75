"""Vietnamese for every ``--help`` text of ``appliance`` (the default language).

The commands keep their English help in the code (docstrings and ``help=``, what a
developer reads beside the code); :mod:`appliance.cli.language` swaps in these texts when
the command line runs in Vietnamese, keyed by the English text like a gettext catalogue.
``tests/test_cli_ux.py`` fails when a help text has no entry here.
"""

from __future__ import annotations

from typing import Final

HELP_VI: Final[dict[str, str]] = {
    # appliance
    "Room appliance controller: cameras, audio, displays, readiness checks.": (
        "Bộ điều khiển điểm cầu: camera, âm thanh, màn hình, kiểm tra sẵn sàng."
    ),
    "Debug logging.": "Ghi nhật ký chi tiết (gỡ lỗi).",
    "Print the version.": "In phiên bản.",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "vi (default) or en.": "vi (mặc định) hoặc en.",
    "Config file (default: $APPLIANCE_CONFIG or /etc/appliance/appliance.toml).": (
        "Tệp cấu hình (mặc định: $APPLIANCE_CONFIG hoặc /etc/appliance/appliance.toml)."
    ),
    # demo
    "Run the appliance on simulated hardware.": "Chạy thử trên phần cứng mô phỏng.",
    "Shorter moves (for tests and CI).": "Di chuyển ngắn hơn (cho kiểm thử và CI).",
    "Leave the simulated room running until Ctrl-C (API URL, token).": (
        "Để phòng mô phỏng chạy tiếp đến khi nhấn Ctrl-C (địa chỉ API, mã truy cập)."
    ),
    "Part 1 only: two simulated cameras driven through the technician CLI.": (
        "Chỉ phần 1: hai camera mô phỏng điều khiển bằng lệnh của kỹ thuật viên."
    ),
    "Part 2 only: the agent on simulated hardware, the check, a fault and its repair.": (
        "Chỉ phần 2: dịch vụ điểm cầu trên phần cứng mô phỏng, kiểm tra, một sự cố và "
        "cách khắc phục."
    ),
    # camera
    "Control one VISCA camera (Vietnamese output; --lang en for English).": (
        "Điều khiển một camera VISCA (tiếng Việt; --lang en cho tiếng Anh)."
    ),
    "Serial path or VISCA URL.": "Đường dẫn cổng nối tiếp hoặc URL VISCA.",
    "Camera address 1–7.": "Địa chỉ camera 1–7.",
    "Model profile, or auto (ask it).": "Model camera, hoặc auto (hỏi camera).",
    "Serial speed (default 9600).": "Tốc độ cổng nối tiếp (mặc định 9600).",
    "Model, version, power, position, zoom and focus.": (
        "Model, phiên bản, nguồn, vị trí, zoom và lấy nét."
    ),
    "Pan/tilt position (degrees and units) and zoom.": (
        "Vị trí quay ngang/dọc (độ và đơn vị) và zoom."
    ),
    "Switch the camera on, or to standby.": "Bật camera, hoặc chuyển sang chế độ chờ.",
    "on or off": "on (bật) hoặc off (tắt)",
    "Drive the camera in a direction.": "Quay camera theo một hướng.",
    "left, right, up, down, up-left, …": "left, right, up, down, up-left, … (trái, phải, lên, xuống…)",
    "Pan/tilt speed 1…max.": "Tốc độ quay 1…tối đa.",
    "Seconds, then stop (0 = keep moving).": "Số giây, rồi dừng (0 = quay tiếp).",
    "Stop a pan/tilt drive.": "Dừng quay ngang/dọc.",
    "Absolute move; returns when the camera has arrived.": (
        "Di chuyển đến vị trí tuyệt đối; trả lời khi camera đã đến."
    ),
    "Pan (units, or degrees with --degrees).": "Quay ngang (đơn vị, hoặc độ với --degrees).",
    "Tilt (units, or degrees with --degrees).": "Quay dọc (đơn vị, hoặc độ với --degrees).",
    "PAN and TILT are degrees.": "PAN và TILT tính bằng độ.",
    "Speed 1…max (default max).": "Tốc độ 1…tối đa (mặc định tối đa).",
    "Zoom in/out/stop, or to a position.": "Zoom gần/xa/dừng, hoặc đến một vị trí.",
    "tele, wide, stop, or to": "tele (gần), wide (xa), stop (dừng), hoặc to (đến vị trí)",
    "With 'to': zoom position (0 = wide).": "Với 'to': vị trí zoom (0 = xa nhất).",
    "Zoom speed 0–7.": "Tốc độ zoom 0–7.",
    "Store, recall or clear a preset (camera memory).": (
        "Lưu, gọi lại hoặc xoá vị trí đặt sẵn (bộ nhớ camera)."
    ),
    "store, recall or reset": "store (lưu), recall (gọi lại) hoặc reset (xoá)",
    "Memory number as the camera numbers it.": "Số vị trí theo cách đánh số của camera.",
    # sim
    "Simulated hardware for demos, training and tests.": (
        "Phần cứng mô phỏng cho trình diễn, đào tạo và kiểm thử."
    ),
    "Serve simulated cameras until Ctrl-C / SIGTERM.\n\nOn a pty, SIGUSR1 pulls the simulated "
    "cable (the driver's reads fail as with a pulled\nUSB adapter) and SIGUSR2 plugs it back, "
    "for training with a running agent.": (
        "Chạy camera mô phỏng đến khi nhấn Ctrl-C / SIGTERM.\n\nTrên pty, SIGUSR1 rút cáp mô "
        "phỏng (trình điều khiển đọc lỗi như khi rút bộ chuyển USB) và SIGUSR2 cắm lại, để "
        "tập luyện với dịch vụ đang chạy."
    ),
    "pty, tcp:PORT, udp:PORT or sony-udp:PORT": "pty, tcp:CỔNG, udp:CỔNG hoặc sony-udp:CỔNG",
    "Daisy chain length.": "Số camera trên chuỗi nối tiếp.",
    "Camera model profile.": "Model camera.",
    "Line speed to pace (pty default 9600).": "Tốc độ đường truyền (pty mặc định 9600).",
    "Address for tcp/udp (loopback).": "Địa chỉ cho tcp/udp (loopback).",
    "pty: path of the stable symlink.": "pty: đường dẫn liên kết cố định.",
    "Processing time per message.": "Thời gian xử lý mỗi lệnh (ms).",
    "Send z0 38 FF at start (default: model).": "Gửi z0 38 FF khi khởi động (mặc định: theo model).",
    "Cameras wait for AddressSet.": "Camera chờ lệnh AddressSet.",
    "sony-udp: refuse 0100 inquiries.": "sony-udp: từ chối truy vấn 0100.",
    "Fault: no camera answers.": "Lỗi giả lập: không camera nào trả lời.",
    "Fault: answers are line noise.": "Lỗi giả lập: trả lời toàn nhiễu.",
    "Fault: answer this much later.": "Lỗi giả lập: trả lời chậm thêm chừng này ms.",
    "Fault: drop the next N ACKs.": "Lỗi giả lập: bỏ N ACK tiếp theo.",
    "Fault: drop the next N completions.": "Lỗi giả lập: bỏ N thông báo hoàn tất tiếp theo.",
    "Fault: answer every command with this VISCA error (hex, e.g. 41).": (
        "Lỗi giả lập: trả lời mọi lệnh bằng lỗi VISCA này (hex, ví dụ 41)."
    ),
    "Fault: recalls land PAN,TILT units away.": (
        "Lỗi giả lập: gọi lại vị trí đặt sẵn bị lệch PAN,TILT đơn vị."
    ),
    "pty fault: pull the cable this many seconds after start (also: kill -USR1 PID).": (
        "Lỗi giả lập pty: rút cáp sau chừng này giây (hoặc: kill -USR1 PID)."
    ),
    "pty fault: plug it back this many seconds after the unplug (also: kill -USR2 PID).": (
        "Lỗi giả lập pty: cắm lại cáp sau chừng này giây kể từ khi rút (hoặc: kill -USR2 PID)."
    ),
    # config
    "Room configuration (/etc/appliance/appliance.toml).": (
        "Cấu hình điểm cầu (/etc/appliance/appliance.toml)."
    ),
    "Print OK and a summary, or the one-line error (exit 1).": (
        "In OK và tóm tắt, hoặc một dòng báo lỗi (mã thoát 1)."
    ),
    # agent
    "Room agent: devices, control API, systemd notify.": (
        "Dịch vụ điểm cầu: thiết bị, API điều khiển, systemd notify."
    ),
    "Start simulated cameras, video, audio and display, then run on them.": (
        "Khởi động camera, hình, âm thanh và màn hình mô phỏng rồi chạy trên chúng."
    ),
    "With --simulate: where the generated config and state go (default: a temp dir).": (
        "Với --simulate: nơi lưu cấu hình sinh ra và dữ liệu (mặc định: thư mục tạm)."
    ),
    "With --simulate: the room's id.": "Với --simulate: mã điểm cầu.",
    "With --simulate: API address (default 127.0.0.1 and a free port).": (
        "Với --simulate: địa chỉ API (mặc định 127.0.0.1 và một cổng trống)."
    ),
    "With --simulate: a simulated screen (Xvfb) and TV (HDMI-CEC) for the display.": (
        "Với --simulate: màn hình mô phỏng (Xvfb) và TV (HDMI-CEC)."
    ),
    # check
    "Pre-meeting readiness check of this room.": "Kiểm tra sẵn sàng trước cuộc họp của điểm cầu này.",
    "Categories, comma-separated: camera,video,audio,display,system,hub.": (
        "Nhóm cần kiểm tra, cách nhau bằng dấu phẩy: camera,video,audio,display,system,hub."
    ),
    "Print the run as JSON (no live view).": "In kết quả dạng JSON (không hiện tiến trình).",
    "Run in this process on the devices (agent stopped).": (
        "Chạy ngay trong lệnh này trên thiết bị (khi dịch vụ đã dừng)."
    ),
    "Seconds to wait for the run.": "Số giây chờ lượt kiểm tra.",
    "Recall PRESET on CAMERA and store the picture as its reference (through the agent\n"
    "when it runs).": (
        "Gọi vị trí PRESET trên CAMERA và lưu hình làm ảnh mẫu (qua dịch vụ khi dịch vụ đang chạy)."
    ),
    "Camera id (e.g. cam1).": "Mã camera (ví dụ cam1).",
    "Preset number or name.": "Số hoặc tên vị trí đặt sẵn.",
    # Hub, enrolment, voice follow and the demo province (added at integration).
    "A file holding the token.": "Tệp chứa mã.",
    "Add one room.": "Thêm một điểm cầu.",
    "Add or update rooms from a file (all or nothing).": "Thêm hoặc cập nhật điểm cầu từ một tệp (tất cả hoặc không gì cả).",
    "Apply every migration (the hub also does this when it starts).": "Áp dụng mọi bản nâng cấp cơ sở dữ liệu (trung tâm cũng tự làm khi khởi động).",
    "CSV or YAML with id, name, district.": "Tệp CSV hoặc YAML có các cột id, name, district.",
    "Central hub: serve, database, accounts, rooms.": "Trung tâm điều hành: chạy dịch vụ, cơ sở dữ liệu, tài khoản, điểm cầu.",
    "Create an administrator account.": "Tạo tài khoản quản trị.",
    "Database URL (default: SQLite in the state directory).": "Địa chỉ cơ sở dữ liệu (mặc định: SQLite trong thư mục trạng thái).",
    "Display name.": "Tên hiển thị.",
    "District.": "Huyện/đơn vị.",
    "Exit 1 when the database schema differs from the models (``alembic check``).": "Thoát với mã 1 khi cấu trúc cơ sở dữ liệu khác mô hình (``alembic check``).",
    "Follow the speaker.": "Bám theo người phát biểu.",
    "Free the lock: follow the speaker again.": "Bỏ ghim: lại bám theo người phát biểu.",
    "Generated meeting length.": "Độ dài cuộc họp được tạo.",
    "Generated: coughs.": "Cuộc họp được tạo: số lần ho.",
    "Generated: overlapping turns.": "Cuộc họp được tạo: số lượt nói chồng lên nhau.",
    "Generated: the same seed, the same meeting.": "Cuộc họp được tạo: cùng hạt giống, cùng cuộc họp.",
    "HOST:PORT (port 0: any).": "MÁY:CỔNG (cổng 0: bất kỳ).",
    "How many rooms (1–31).": "Số điểm cầu (1–31).",
    "Issue a one-time enrolment token: the explanation on stderr, the token on stdout.": "Cấp mã đăng ký dùng một lần: lời giải thích ở stderr, mã ở stdout.",
    "Keep everything here (default: a temp dir).": "Giữ mọi thứ ở đây (mặc định: thư mục tạm).",
    "Lifetime of the token.": "Thời hạn của mã.",
    "Lock the camera on SEAT (the operator's choice wins until unpin).": "Ghim camera vào GHẾ (lựa chọn của điều hành viên được giữ đến khi bỏ ghim).",
    "Meeting script (JSON) to play.": "Kịch bản cuộc họp (JSON) để phát.",
    "Neighbour's voice in a mic, dB.": "Tiếng của ghế bên cạnh lọt vào micro, dB.",
    "Plant three faults (camera, microphone, display).": "Tạo ba sự cố mô phỏng (camera, micro, màn hình).",
    "Play a scripted meeting on simulated seat microphones (for demos and training).": "Phát một cuộc họp theo kịch bản trên các micro ghế mô phỏng (để trình diễn và đào tạo).",
    "Print the rooms: id, district, name, enrolled.": "In danh sách điểm cầu: id, huyện, tên, đã đăng ký.",
    "Report per room or district: time online, readiness pass rate, failed items.": (
        "Báo cáo theo điểm cầu hoặc huyện: thời gian trực tuyến, tỉ lệ sẵn sàng, mục lỗi."
    ),
    "First day (YYYY-MM-DD, Vietnam time).": "Ngày đầu (YYYY-MM-DD, giờ Việt Nam).",
    "Day after the last (YYYY-MM-DD, Vietnam time).": (
        "Ngày sau ngày cuối (YYYY-MM-DD, giờ Việt Nam)."
    ),
    "room or district.": "room (điểm cầu) hoặc district (huyện).",
    "json, csv (UTF-8 with BOM) or pdf (one A4 page, --month).": (
        "json, csv (UTF-8 có BOM) hoặc pdf (một trang A4, dùng với --month)."
    ),
    "A calendar month (YYYY-MM, Vietnam time), not --from/--to.": (
        "Một tháng (YYYY-MM, giờ Việt Nam), thay cho --from/--to."
    ),
    "Write to this file (default: standard output).": "Ghi ra tệp này (mặc định: màn hình).",
    "Print the status as JSON.": "In trạng thái dạng JSON.",
    "Read the password from stdin (first line).": "Đọc mật khẩu từ stdin (dòng đầu).",
    "Read the password from this file (first line).": "Đọc mật khẩu từ tệp này (dòng đầu).",
    "Rooms: import, add, enrolment tokens.": "Điểm cầu: nhập, thêm, mã đăng ký.",
    "Run the hub until SIGTERM.": "Chạy trung tâm đến khi nhận SIGTERM.",
    "Seat microphones (channels).": "Số micro ghế (kênh).",
    "Seat name, channel number, or 'overview'.": "Tên ghế, số kênh, hoặc 'overview' (toàn cảnh).",
    "Show the follow's state, what is on air and every seat's level.": "Hiện trạng thái bám người nói, hình đang phát và mức âm của từng ghế.",
    "Stop as soon as every room is Online (tests, CI).": "Dừng ngay khi mọi điểm cầu trực tuyến (kiểm thử, CI).",
    "Stop following (the cameras stay where they are).": "Ngừng bám người nói (camera giữ nguyên vị trí).",
    "TLS certificate (PEM).": "Chứng chỉ TLS (PEM).",
    "TLS private key (PEM).": "Khóa riêng TLS (PEM).",
    "The administrator's user name.": "Tên đăng nhập của quản trị viên.",
    "The hub and the province's rooms on simulated hardware, until Ctrl-C (make demo).": "Trung tâm và các điểm cầu của tỉnh trên phần cứng mô phỏng, đến khi nhấn Ctrl-C (make demo).",
    "The hub database (Alembic migrations).": "Cơ sở dữ liệu của trung tâm (nâng cấp Alembic).",
    "The hub's URL (default: hub.url of the config).": "Địa chỉ trung tâm (mặc định: hub.url trong cấu hình).",
    "The hub's URL as agents reach it (for their link URL).": "Địa chỉ trung tâm mà các điểm cầu kết nối tới (cho địa chỉ liên kết).",
    "This hub's name among several on one PostgreSQL (--db).": (
        "Tên của trung tâm này khi chạy nhiều bản trên cùng một PostgreSQL (--db)."
    ),
    "Alerts configuration (TOML: hold-downs, webhooks, e-mail).": (
        "Cấu hình cảnh báo (TOML: thời gian chờ, webhook, thư điện tử)."
    ),
    "The hub's state directory.": "Thư mục trạng thái của trung tâm.",
    "The one-time enrolment token.": "Mã đăng ký dùng một lần.",
    "The room to enrol.": "Điểm cầu cần đăng ký.",
    "The room's id (as in the agent's room.id).": "Mã điểm cầu (như room.id trong cấu hình điểm cầu).",
    "Trade a one-time enrolment token for this room's secret at the hub.": "Đổi mã đăng ký dùng một lần lấy khóa bí mật của điểm cầu tại trung tâm.",
    "Voice-follow camera: the delegate who speaks is on screen.": "Camera bám người nói: đại biểu đang phát biểu luôn hiện trên màn hình.",
    "With --simulate: an enrolment token to enrol by itself.": "Với --simulate: mã đăng ký để tự đăng ký với trung tâm.",
    "With --simulate: the hub's URL (the room links to it).": "Với --simulate: địa chỉ trung tâm (điểm cầu kết nối tới).",
    "Write the script here.": "Ghi kịch bản vào đây.",
}

# typer's rich help and error panels (typer.rich_utils module settings).
PANELS_VI: Final[dict[str, str]] = {
    "ARGUMENTS_PANEL_TITLE": "Tham số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã hủy.",
    "RICH_HELP": "Xem hướng dẫn: [blue]'{command_path} {help_option}'[/]",
    "DEFAULT_STRING": "[mặc định: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "DEPRECATED_STRING": "(không còn dùng) ",
}
