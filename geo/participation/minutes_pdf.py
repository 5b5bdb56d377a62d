"""The minutes as PDF: WeasyPrint lays out the same HTML and print CSS as the HTML minutes.

WeasyPrint (pure Python on PyPI) draws text with Pango, which Debian ships as
``libpango-1.0-0`` and ``libpangoft2-1.0-0``; fonts come from fontconfig, so Japanese text is
set in Noto Sans CJK JP from ``fonts-noto-cjk`` (the style sheet's first choice) and only the
glyphs used are embedded, as a subset. Everything is offline: the images are inline data
URLs and no other URL is fetched.
"""

from __future__ import annotations

from typing import Any

from geo.errors import DioramaError

__all__ = ["PdfUnavailable", "html_to_pdf"]


class PdfUnavailable(DioramaError, RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are not installed."""


def _data_only(weasyprint: Any) -> Any:
    """A URL fetcher that reads ``data:`` URLs only: the minutes inline their images, and
    nothing in user text may make the PDF reach out (``URLFetcher``: WeasyPrint >= 68)."""
    return weasyprint.URLFetcher(allowed_protocols=("data",))


def html_to_pdf(html: str) -> bytes:
    """Lay the minutes' HTML (see :func:`geo.participation.minutes.session_html`) out as an
    A4 portrait PDF with the Japanese font embedded.

    Raises
    ------
    PdfUnavailable
        If WeasyPrint cannot be imported (not installed, or Pango missing).
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango's shared libraries are missing
        raise PdfUnavailable(
            "PDFを作れません。WeasyPrint と Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0) "
            "を入れてください。",
            f"cannot make the PDF: install WeasyPrint and Pango "
            f"(Debian: libpango-1.0-0 libpangoft2-1.0-0): {exc}") from exc
    doc = weasyprint.HTML(string=html, url_fetcher=_data_only(weasyprint))
    return bytes(doc.write_pdf())  # no target given: the PDF's bytes are returned
