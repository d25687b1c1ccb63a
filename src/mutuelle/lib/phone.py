"""Phone numbers as people type them ("77 123 45 67", "00221771234567") to one comparable form."""

import re

_KEEP = re.compile(r"[^\d+]")


def normalize_phone(raw: str) -> str:
    """Strip spaces and punctuation; "00" becomes "+". No country is guessed."""
    value = _KEEP.sub("", raw or "")
    if value.startswith("00"):
        value = "+" + value[2:]
    return value


def looks_like_phone(raw: str) -> bool:
    value = normalize_phone(raw)
    return len(value.lstrip("+")) >= 6 and "@" not in raw


PHONE_TAIL = 8  # the subscriber part: the same whether typed with the country code or not


def phone_tail(raw: str) -> str | None:
    """The last digits a phone is searched by, or None when too short to be a phone."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    return digits[-PHONE_TAIL:] if len(digits) >= 6 else None
