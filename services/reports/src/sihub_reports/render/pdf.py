"""The PDF rendering: the HTML rendering laid out by WeasyPrint, with the fonts that come with the
project so that Korean, Japanese, Chinese and Thai names render wherever it runs:
- `fonts/NotoSansCJK-sihub.otf`: Noto Sans CJK (SIL OFL 1.1), subset to Latin, Hangul, kana and
  the common Han characters of GB 2312, JIS X 0208, KS X 1001 and Big5 (fonts/README.md says how);
- Noto Sans Thai (SIL OFL 1.1) from the `fontpkg-noto-sans-thai` package.
Nothing is fetched: the only URLs WeasyPrint may open are these two files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fontpkg_noto_sans_thai
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from sihub_reports.render.html import Medium, render_html

FONT_FAMILIES = '"sihub Noto Sans CJK", "sihub Noto Sans Thai"'
CJK_FONT = Path(__file__).parent / "fonts" / "NotoSansCJK-sihub.otf"
THAI_FONT = next((Path(fontpkg_noto_sans_thai.ROOT) / "files").glob("NotoSansThai*.ttf"))
FONTS = {CJK_FONT.resolve().as_uri(): CJK_FONT, THAI_FONT.resolve().as_uri(): THAI_FONT}
PDF_CSS = f"""
@font-face {{ font-family: "sihub Noto Sans CJK"; src: url("{CJK_FONT.resolve().as_uri()}"); }}
@font-face {{ font-family: "sihub Noto Sans Thai"; src: url("{THAI_FONT.resolve().as_uri()}"); }}
@page {{ size: A4; margin: 16mm 14mm; }}
/* Only the project's fonts, never whatever the machine has (names of their own, for that). */
* {{ font-family: {FONT_FAMILIES} !important; }}
"""


class OurFontsOnly(URLFetcher):
    """WeasyPrint's URL fetcher: the two font files, and nothing else (no network, ever)."""

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = FONTS.get(url)
        if path is None:
            raise ValueError(f"not fetched: {url}")
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": "font/otf"})


def render_pdf(report: dict[str, Any], json_link: str | None = None, base_url: str = "") -> bytes:
    """`json_link`: where the reader finds this build's JSON (every record of every figure);
    `base_url`: the public address its links are made absolute on."""
    fonts, fetcher = FontConfiguration(), OurFontsOnly(allowed_protocols={"file"})
    medium = Medium(fonts=FONT_FAMILIES, printed=True, json_link=json_link, base_url=base_url)
    document = HTML(string=render_html(report, medium), url_fetcher=fetcher, base_url=None)
    return document.write_pdf(stylesheets=[CSS(string=PDF_CSS, font_config=fonts, url_fetcher=fetcher)],
                              font_config=fonts)
