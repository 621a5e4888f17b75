"""Vietnamese for the validation texts of libraries we do not write.

pydantic (the control API's 422 answers, typer's option parsing) and click (the usage
errors of ``appliance``) phrase their errors in English. Rather than leave an English
tail inside a Vietnamese sentence, :func:`translate_validation` rewrites the messages a
technician meets, pattern by pattern; an unknown message stays as it is (visible, never
lost). English callers get the text unchanged.
"""

from __future__ import annotations

import re
from typing import Final

# (pattern on the whole message, Vietnamese with \1… groups); first match wins.
_VALIDATION_VI: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
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
    text = message.strip().rstrip(".")
    for pattern, replacement in _VALIDATION_VI:
        match = pattern.fullmatch(text)
        if match is not None:
            return match.expand(replacement)
    return message
