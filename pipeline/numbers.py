"""Parsing Arabic, full-width and Chinese numerals into values."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10_000, "亿": 100_000_000}
_ARABIC = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(.*)$")


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and signs (１２３, ％) to their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def parse_chinese(text: str) -> float | None:
    """十 → 10, 二十五 → 25, 一百零三 → 103, 三千万 → 30000000, 二〇二二 / 二○二二 → 2022 (digit by digit)."""
    if not text:
        return None
    if all(c in _DIGITS for c in text) and len(text) > 1:
        return float("".join(str(_DIGITS[c]) for c in text))
    total, section, number, previous = 0, 0, None, ""
    for char in text:
        if char in _DIGITS:
            number = _DIGITS[char]
        elif char in _SMALL:
            section += (1 if number is None else number) * _SMALL[char]
            number = None
        elif char in _LARGE:
            if previous in _LARGE and not section and number is None:
                total *= _LARGE[char]  # 万亿: 10^4 * 10^8, as in 三万亿
            else:
                section += number or 0
                total += (section or 1) * _LARGE[char]
            section, number = 0, None
        else:
            return None
        previous = char
    return float(total + section + (number or 0))


def parse_number(text: str) -> float | None:
    """A number with optional 万/亿 multipliers: 13万 → 130000, 1.2万亿 → 1.2e12, 三 → 3, 三点二 → 3.2."""
    text = to_halfwidth(text).replace(",", "").replace("，", "")
    match = _ARABIC.match(text)
    if match:
        value = float(match.group(1))
        for char in match.group(2):
            if char in _LARGE:
                value *= _LARGE[char]
            elif char in _SMALL:
                value *= _SMALL[char]
            else:
                return None
        return value
    text = text.replace("點", "点")  # the traditional form
    if "点" in text:  # 十二点五 → 12.5, 三点五亿 → 3.5e8: the digits after 点 are read one by one
        whole, _, fraction = text.partition("点")
        multipliers = fraction.lstrip("".join(_DIGITS))
        digits = fraction[: len(fraction) - len(multipliers)]
        value = parse_chinese(whole)
        if value is None or not digits or any(c not in _LARGE for c in multipliers):
            return None
        value = float(f"{int(value)}." + "".join(str(_DIGITS[c]) for c in digits))
        for char in multipliers:
            value *= _LARGE[char]
        return value
    return parse_chinese(text)


def tidy(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
