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
