"""Person names as the register stores and compares them (one normalizer for both databases)."""

import re
import unicodedata

_APOSTROPHES = re.compile(r"[’'`´ʼ\-.]")
_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Accents, case, apostrophes, hyphens and spacing folded: "N'Diaye" -> "ndiaye"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _APOSTROPHES.sub("", text)
    text = _NOT_LETTERS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
