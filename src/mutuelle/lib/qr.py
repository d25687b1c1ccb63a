"""QR codes as inline SVG (segno), for PDFs and pages."""

import segno


def qr_svg_data_uri(text: str, error: str = "m") -> str:
    """A scalable QR code with its quiet zone, dark on white, as a `data:` URI."""
    return segno.make(text, error=error, micro=False).svg_data_uri(border=2, dark="#000")
