"""Vietnamese for the validation texts of libraries we do not write.

pydantic (the control API's 422 answers, typer's option parsing) and click (the usage
errors of ``appliance``) phrase their errors in English. Rather than leave an English
tail inside a Vietnamese sentence, :func:`translate_validation` rewrites the messages a
technician meets, pattern by pattern; an unknown message stays as it is (visible, never
lost). English callers get the text unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

_Replacement = str | Callable[[re.Match[str]], str]
Table = tuple[tuple[re.Pattern[str], _Replacement], ...]


def compile_table(pairs: tuple[tuple[str, _Replacement], ...]) -> Table:
    """(regular expression, replacement) pairs, compiled once."""
    return tuple((re.compile(pattern), replacement) for pattern, replacement in pairs)


# (pattern on the whole message, Vietnamese with \1… groups); first match wins.
_VALIDATION_VI: Final = compile_table(
    (
        (r"Value error, (.*)", r"\1"),
        (r"Input should be less than or equal to (.+)", r"phải nhỏ hơn hoặc bằng \1"),
        (r"Input should be greater than or equal to (.+)", r"phải lớn hơn hoặc bằng \1"),
        (r"Input should be less than (.+)", r"phải nhỏ hơn \1"),
        (r"Input should be greater than (.+)", r"phải lớn hơn \1"),
        (r"Input should be a valid integer(, .*)?", "phải là số nguyên"),
        (r"Input should be a valid number(, .*)?", "phải là một số"),
        (r"Input should be a finite number", "phải là một số hữu hạn"),
        (r"Input should be a valid boolean(, .*)?", "phải là true hoặc false"),
        (r"Input should be a valid string", "phải là chuỗi ký tự"),
        (r"Input should be a valid list", "phải là một danh sách"),
        (r"Input should be a valid dictionary.*", "phải là một đối tượng JSON"),
        (r"Input should be (.+) or (.+)", r"phải là \1 hoặc \2"),
        (r"Input should be (.+)", r"phải là \1"),
        (r"String should have at least (\d+) characters?", r"phải có ít nhất \1 ký tự"),
        (r"String should have at most (\d+) characters?", r"chỉ được tối đa \1 ký tự"),
        (r"String should match pattern (.+)", r"phải khớp mẫu \1"),
        (r"List should have at least (\d+) items?.*", r"phải có ít nhất \1 phần tử"),
        (r"List should have at most (\d+) items?.*", r"chỉ được tối đa \1 phần tử"),
        (r"Field required", "thiếu trường bắt buộc"),
        (r"Extra inputs are not permitted", "không có trường này"),
        (r"JSON decode error", "JSON không hợp lệ"),
        (r"Unable to parse input string as .*", "không đọc được giá trị"),
    )
)


def translate_validation(message: str, lang: str | None) -> str:
    """``message`` in ``lang`` (Vietnamese unless ``en``): see the module docstring."""
    if (lang or "vi")[:2].lower() == "en":
        return message
    return rewrite_whole(_VALIDATION_VI, message.strip().rstrip(".")) or message


def rewrite_whole(table: Table, text: str) -> str | None:
    """``text`` rewritten by the first pattern of ``table`` that matches all of it."""
    for pattern, replacement in table:
        match = pattern.fullmatch(text)
        if match is not None:
            return replacement(match) if callable(replacement) else match.expand(replacement)
    return None


# Phrases of the drivers' error details (English, one place each in drivers/) that end up
# inside Vietnamese sentences: (phrase pattern, Vietnamese). Replaced where they occur; the
# rest of a detail (paths, device names, hex bytes) is kept as it is.
_DETAILS_VI: Final = compile_table((
        (r"no answer to (\d+) tries, ([\d.]+) s each", r"không trả lời sau \1 lần thử, mỗi lần \2 giây"),
        (r"camera does not answer \((\d+) messages without a reply\)",
         r"camera không trả lời (\1 lệnh không có hồi âm)"),
        (r"no camera answers", "không camera nào trả lời"),
        (r"no answer to RESET from (\S+) \((\d+) tries, ([\d.]+) s each\)",
         r"\1 không trả lời lệnh RESET (\2 lần thử, mỗi lần \3 giây)"),
        (r"not ready after ([\d.]+) s", r"chưa sẵn sàng sau \1 giây"),
        (r"not connected within ([\d.]+) s", r"không kết nối được trong \1 giây"),
        (r"no TCP connection within ([\d.]+) s", r"không có kết nối TCP trong \1 giây"),
        (r"(\S+) took longer than ([\d.]+) s", r"\1 mất quá \2 giây"),
        (r"device no longer exists \(unplugged\?\)", "thiết bị không còn (đã bị rút ra?)"),
        (r"device is busy \(another program holds it\)", "thiết bị đang bị chương trình khác giữ"),
        (r"no such device", "không có thiết bị"),
        (r"port not open", "cổng chưa mở"),
        (r"port closed", "cổng đã đóng"),
        (r"unexpected answer", "câu trả lời không đúng"),
        (r"no signal: no frame within ([\d.]+) s", r"mất tín hiệu: không có hình trong \1 giây"),
        (r"no new frame within ([\d.]+) s", r"không có hình mới trong \1 giây"),
        (r"stalled: last frame ([\d.]+) s ago", r"đứng hình: hình cuối cách đây \1 giây"),
        (r"no sound devices at all", "không có thiết bị âm thanh nào"),
        (r"the sound server is not running or not reachable",
         "máy chủ âm thanh không chạy hoặc không kết nối được"),
        (r"start PulseAudio \(or the room's audio service\)",
         "hãy khởi động PulseAudio (hoặc dịch vụ âm thanh của phòng)"),
        (r"and check that the Debian packages (.+) are installed",
         r"và kiểm tra đã cài các gói Debian \1"),
        (r"no (microphone|speaker) \((input|output)\) device matches",
         lambda m: "không có " + ("micro" if m[1] == "microphone" else "loa")
         + " nào khớp tên"),
        (r"(microphone|speaker) \((input|output)\) devices:",
         lambda m: ("các micro" if m[1] == "microphone" else "các loa") + ":"),
        (r"other devices:", "thiết bị khác:"),
        (r"install the Debian packages? ", "cài gói Debian "),
        # appliance/config.py (``appliance config check`` and every start)
        (r"; also ", "; và "),
        (r"unknown key", "khóa không có trong cấu hình (viết sai?)"),
        (r"missing required key", "thiếu khóa bắt buộc"),
        (r"must be a whole number without quotes, got", "phải là số nguyên, không có dấu nháy; đang là"),
        (r"must be true or false \(without quotes\), got",
         "phải là true hoặc false (không có dấu nháy); đang là"),
        (r"must not be empty", "không được để trống"),
        (r"wrong type: input should be a valid string", "sai kiểu: phải là chuỗi ký tự trong dấu nháy"),
        (r"wrong type: ", "sai kiểu: "),
        (r"must be letters, digits, '-', '_' or '\.', got",
         "chỉ gồm chữ, số, '-', '_' hoặc '.'; đang là"),
        (r"bad baud (\d+) \(one of ([\d, ]+)\)", r"tốc độ baud \1 không hợp lệ (chọn một trong \2)"),
        (r"baud (\d+) differs from (\S+) \((\d+)\) on the same port",
         r"baud \1 khác với \2 (\3) trên cùng một cổng"),
        (r"duplicate device id ('[^']*') \(already used by (\S+)\)",
         r"trùng mã thiết bị \1 (đã dùng ở \2)"),
        (r"missing port \(give port = serial path or url\)",
         "thiếu cổng (ghi port = đường dẫn cổng nối tiếp, hoặc url)"),
        (r"give port or url, not both", "chỉ ghi port hoặc url, không ghi cả hai"),
        (r"unknown camera model ('[^']*') \(one of ", r"model camera \1 không có (chọn một trong "),
        (r"same port and address as (\S+)", r"trùng cổng và địa chỉ với \1"),
        (r"two preset names share a number", "hai tên vị trí đặt sẵn dùng chung một số"),
        (r"preset number (\d+) outside (\S+) for model (\S+)",
         r"số vị trí \1 nằm ngoài \2 của model \3"),
        (r"file not found", "không tìm thấy tệp"),
        (r"TOML syntax error", "lỗi cú pháp TOML"),
        (r"listen must be HOST:PORT, got", "listen phải có dạng ĐỊA_CHỈ:CỔNG; đang là"),
        (r"Input should be less than or equal to", "phải nhỏ hơn hoặc bằng"),
        (r"Input should be greater than or equal to", "phải lớn hơn hoặc bằng"),
        (r"is not usable: no X server answers on", "không dùng được: không có máy chủ X trả lời ở"),
        (r": missing\)", ": không có)"),
    )
)  # fmt: skip


def translate_detail(detail: str, lang: str | None) -> str:
    """A driver's English error detail with its known phrases in ``lang`` (Vietnamese
    unless ``en``); unknown parts stay as they are."""
    if (lang or "vi")[:2].lower() == "en":
        return detail
    for pattern, replacement in _DETAILS_VI:
        detail = pattern.sub(replacement, detail)
    return detail
