"""Reading a membership card: its QR code from an uploaded photo, and what a clerk or a USB
scanner types. No database.

- `read_photo(data)` decodes the QR payload from a phone's photo of a card (JPEG or PNG; large,
  turned, a little blurred, the card small in the frame) with zxing-cpp, trying the picture as
  it is and then sharpened, rescaled, binarised and turned variants. It never raises: it
  returns `(payload, None)` or `(None, error code)`.
- `identify(text)` says whether typed text is a card's QR payload or a membership number, and
  normalises it. A USB QR scanner "types" the payload as keystrokes; when it is set up for an
  American keyboard and the computer for a French one, or caps lock is on, the text arrives
  garbled in a known way, and is put right.

The signature is not checked here: `cards.rules.verify` does that, with the public keys.
"""

import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from PIL import Image, ImageFilter, ImageOps

from mutuelle.cards import rules
from mutuelle.members import rules as member_rules

# Error codes (translated at the edge: claims.explain).
NOT_AN_IMAGE = "photo.not_an_image"
TOO_LARGE = "photo.too_large"
NO_CODE = "photo.no_code"

MAX_BYTES = 12 * 1024 * 1024  # as the upload form says
MAX_PIXELS = 150_000_000  # a JPEG this large is decoded at a reduced scale (draft), never whole
MAX_DECODED_PIXELS = 40_000_000  # other formats decode whole: cap the memory a photo may take
FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"})
WORK_SIDE = 2000  # first tries: the photo scaled to fit this square
FULL_SIDE = 4096  # then the photo at (up to) this resolution, for a card small in the frame
SMALL_SIDE = 1000  # and smaller, which evens out blur and JPEG noise


class PhotoReading(NamedTuple):
    payload: str | None
    error: str | None


def read_photo(data: bytes) -> PhotoReading:
    """The QR payload read from a photo of a card, or an error code (NOT_AN_IMAGE, TOO_LARGE,
    NO_CODE). A card's payload (`MUT1|…`) is preferred to any other QR code in the picture;
    another QR code's text is returned only when no card's is found."""
    if not data:
        return PhotoReading(None, NOT_AN_IMAGE)
    if len(data) > MAX_BYTES:
        return PhotoReading(None, TOO_LARGE)
    image, error = _open(data)
    if image is None:
        return PhotoReading(None, error)
    other = None
    for variant in _variants(image):
        for text in _decode(variant):
            if rules.parse(text.strip()) is not None:
                return PhotoReading(text.strip(), None)
            other = other or text
    if other:
        return PhotoReading(other, None)
    return PhotoReading(None, NO_CODE)


def _open(data: bytes) -> tuple[Image.Image | None, str]:
    """The photo in grey levels, upright (EXIF orientation applied), at most FULL_SIDE."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.format not in FORMATS:
                return None, NOT_AN_IMAGE
            width, height = opened.size
            if width * height > MAX_PIXELS:
                return None, TOO_LARGE
            if opened.format in ("JPEG", "MPO"):
                # Decode at 1/2, 1/4 or 1/8 scale straight from the JPEG data: fast, small.
                opened.draft("L", (FULL_SIDE, FULL_SIDE))
            elif width * height > MAX_DECODED_PIXELS:
                return None, TOO_LARGE
            image = (ImageOps.exif_transpose(opened) or opened).convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, TOO_LARGE
    except Exception:  # Pillow raises many kinds on broken files; none may reach the view
        return None, NOT_AN_IMAGE
    if max(image.size) > FULL_SIDE:
        image.thumbnail((FULL_SIDE, FULL_SIDE), Image.Resampling.LANCZOS)
    return image, ""


def _variants(image: Image.Image) -> Iterator[Image.Image]:
    """The pictures to try, cheapest and likeliest first; stopped at the first card found."""
    work = _fit(image, WORK_SIDE)
    yield work
    yield work.filter(ImageFilter.UnsharpMask(radius=3, percent=250, threshold=0))
    if image.size != work.size:
        yield image  # the card may be small in a large photo
        yield image.filter(ImageFilter.UnsharpMask(radius=4, percent=300, threshold=0))
    if max(work.size) > SMALL_SIDE:
        yield _fit(work, SMALL_SIDE)
    yield work.filter(ImageFilter.UnsharpMask(radius=8, percent=400, threshold=0))
    stretched = ImageOps.autocontrast(work, cutoff=1)
    for threshold in (96, 128, 160):  # binarised: shadows, glare, a dim room
        yield stretched.point(lambda v, t=threshold: 255 if v > t else 0)
    yield work.rotate(45, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def _fit(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    fitted = image.copy()
    fitted.thumbnail((side, side), Image.Resampling.LANCZOS)
    return fitted


def _decode(image: Image.Image) -> list[str]:
    import zxingcpp

    try:
        formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        found = zxingcpp.read_barcodes(image, formats=formats)
    except Exception:  # a decoder failure on one variant is a variant without a code
        return []
    return [code.text for code in found if code.valid and code.text]


# --- What is typed ----------------------------------------------------------------------------
EMPTY = "empty"
PAYLOAD = "payload"
NUMBER = "number"

# How a scanner's text was put right (the edge may tell the clerk to fix the scanner).
CAPS_LOCK = "scanner.caps_lock"
KEYBOARD_LAYOUT = "scanner.keyboard_layout"

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_./]+")
_MUTUAL_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,15}")
_LETTER = re.compile(r"[A-Z]")
_TRAILING_DIGITS = re.compile(r"(.*?)([0-9]+)")
_MIN_SERIAL = member_rules.SERIAL_DIGITS + 1  # the serial and its check digit

# A scanner that types as on an American (QWERTY) keyboard into a computer set up for a French
# (AZERTY) one: each character that arrives -> the character the scanner meant.
_AZERTY_TO_QWERTY = str.maketrans(
    {
        **dict(zip("&é\"'(-è_çà)=", "1234567890-=", strict=True)),
        **dict(zip("1234567890°+", "!@#$%^&*()_+", strict=True)),
        **dict(zip("azqwAZQW", "qwazQWAZ", strict=True)),
        **dict(zip("mMù%*µ", ";:'\"\\|", strict=True)),
        **dict(zip(",?;.:/!§", "mM,<.>/?", strict=True)),
        **dict(zip("$£", "]}", strict=True)),
    }
)


@dataclass(frozen=True)
class Identified:
    """What a typed or scanned text is."""

    kind: str  # EMPTY, PAYLOAD or NUMBER
    number: str = ""  # the membership number, normalised ("MA-0000023")
    payload: str = ""  # the QR payload as it should verify (PAYLOAD only)
    claims: rules.Claims | None = None  # what the payload asserts (None: malformed payload)
    error: str = ""  # rules.MALFORMED, or a members number reason ("number.bad_check_digit")
    repaired: str = ""  # CAPS_LOCK or KEYBOARD_LAYOUT when the text had to be put right


def identify(text: str | None, mutual_codes: set[str] | None = None) -> Identified:
    """A membership number typed any way ("ma 0000023", "MA0000023", "ma-000-0023") or a card's
    QR payload (typed by a USB scanner, perhaps garbled by the keyboard layout or caps lock).
    `mutual_codes`, when given, helps split a number typed without its dash."""
    text = (text or "").strip()
    if not text:
        return Identified(EMPTY)
    broken = None
    for candidate, repaired in _readings(text):
        if _is_payload(candidate):
            parsed = rules.parse(candidate)
            if parsed is not None:
                claims = parsed[0]
                return Identified(PAYLOAD, claims.number, candidate, claims, "", repaired)
            broken = broken or Identified(
                PAYLOAD, payload=candidate, error=rules.MALFORMED, repaired=repaired
            )
    if broken is not None:
        return broken
    number, error = normalize_number(text, mutual_codes)
    if error:
        repaired_text = text.translate(_AZERTY_TO_QWERTY)
        fixed, fixed_error = normalize_number(repaired_text, mutual_codes)
        if repaired_text != text and not fixed_error:
            return Identified(NUMBER, fixed, repaired=KEYBOARD_LAYOUT)
    return Identified(NUMBER, number, error=error or "")


def _is_payload(text: str) -> bool:
    return text[: len(rules.PREFIX) + 1].upper() == rules.PREFIX + rules.SEP


def _readings(text: str) -> Iterator[tuple[str, str]]:
    """The text as typed, then as a scanner meant it."""
    yield text, ""
    yield text.swapcase(), CAPS_LOCK
    yield text.translate(_AZERTY_TO_QWERTY), KEYBOARD_LAYOUT


def normalize_number(text: str, mutual_codes: set[str] | None = None) -> tuple[str, str | None]:
    """(the membership number in its printed form, a members reason code or None).

    The number is "<MUTUAL CODE>-<serial and check digit>" (members.rules.format_number). Case,
    spaces and dashes are ignored; when the split between code and digits is ambiguous (a code
    ending in a digit, typed without the dash), the check digit and `mutual_codes` decide."""
    tokens = [t for t in _SEPARATORS.split(text.strip().upper()) if t]
    scored = []
    for code, digits, typed in _splits(tokens):
        if not _MUTUAL_CODE.fullmatch(code) or not (typed or _LETTER.search(code)):
            continue  # digits alone are split only where a separator was typed
        number = f"{code}-{digits}"
        error = member_rules.number_error(number, mutual_codes)
        rank = (
            mutual_codes is not None and code not in mutual_codes,
            not typed,  # split where a separator was typed ("MA-12345678" stays so)
            len(digits) != _MIN_SERIAL,  # the usual seven digits
            error is not None,  # the check digit agrees
            -code.count("-"),
            number,
        )
        scored.append((rank, number, error))
    if not scored:
        return "-".join(tokens), "number.malformed"
    _rank, number, error = min(scored)
    return number, error


def _splits(tokens: list[str]) -> Iterator[tuple[str, str, bool]]:
    """Every (code, digits, split where a separator was typed) reading of the tokens: the digits
    end the text (two at least)."""
    for i in range(len(tokens)):
        head, rest = tokens[:i], "".join(tokens[i:])
        match = _TRAILING_DIGITS.fullmatch(rest)
        if match is None:
            continue
        letters, digits = match.groups()
        for k in range(len(digits) - 1):
            part = letters + digits[:k]
            yield "-".join([*head, part] if part else head), digits[k:], not part
