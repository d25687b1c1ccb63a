"""Photos from phone cameras and files, made small: members' portraits are printed on cards
and sent over slow links, so they are stored as modest JPEGs whatever arrives."""

from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

PORTRAIT_BOX = (480, 600)  # enough for a 300 dpi card photo of 20 × 25 mm and a screen
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; larger is refused before decoding
MAX_BYTES = 15 * 1024 * 1024


class BadImage(ValueError):
    """Not a picture we can read (or far too large)."""


def _opened(data: bytes) -> Image.Image:
    """The picture, opened after checking its size and integrity (BadImage otherwise, or the
    errors that the callers turn into BadImage)."""
    if not data or len(data) > MAX_BYTES:
        raise BadImage("empty or too large")
    with Image.open(BytesIO(data)) as probe:
        if probe.width * probe.height > MAX_PIXELS:
            raise BadImage("too many pixels")
        probe.verify()  # a verified image cannot be used again: open it a second time
    return Image.open(BytesIO(data))


def portrait_jpeg(data: bytes, box: tuple[int, int] = PORTRAIT_BOX, quality: int = 82) -> bytes:
    """The picture turned upright (camera orientation), in colour, within `box`, as JPEG."""
    try:
        with _opened(data) as img:
            upright = ImageOps.exif_transpose(img)
            rgb = upright.convert("RGB")
            rgb.thumbnail(box, Image.Resampling.LANCZOS)
            out = BytesIO()
            rgb.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise BadImage(str(exc)) from exc
    return out.getvalue()


LOGO_BOX = (400, 400)  # printed 8.4 mm wide on a card: 400 px is more than 600 dpi


def logo_image(data: bytes, box: tuple[int, int] = LOGO_BOX) -> tuple[bytes, str]:
    """A logo within `box`: PNG when the picture has transparency (kept), else JPEG.
    Returns (bytes, extension without the dot). BadImage when it is not a readable picture."""
    try:
        with _opened(data) as img:
            upright = ImageOps.exif_transpose(img)
            transparent = upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info
            )
            out = BytesIO()
            if transparent:
                rgba = upright.convert("RGBA")
                rgba.thumbnail(box, Image.Resampling.LANCZOS)
                rgba.save(out, "PNG", optimize=True)
                ext = "png"
            else:
                rgb = upright.convert("RGB")
                rgb.thumbnail(box, Image.Resampling.LANCZOS)
                rgb.save(out, "JPEG", quality=88, optimize=True)
                ext = "jpg"
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise BadImage(str(exc)) from exc
    return out.getvalue(), ext
