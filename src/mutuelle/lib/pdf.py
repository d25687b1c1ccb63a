"""HTML to PDF with WeasyPrint, offline: a document may embed `data:` URIs only (images are
inlined by the caller), so rendering never reads a file or the network on a user's behalf."""

from weasyprint import HTML
from weasyprint.urls import URLFetcher


def render_pdf(html: str) -> bytes:
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
