"""Make render/fonts/NotoSansCJK-sihub.otf, the CJK font the PDF reports embed, from Debian's
fonts-noto-cjk (Noto Sans CJK, SIL OFL 1.1; the subset keeps that licence, OFL.txt beside it).

    apt-get install fonts-noto-cjk
    uv run python services/reports/fonts/subset_cjk_font.py

Kept (about 10,500 characters, 4 MB): Latin (ASCII, Latin-1, Latin Extended-A), the punctuation
and symbols reports print, hiragana and katakana, compatibility jamo, CJK punctuation, full- and
half-width forms, the 2,350 Hangul syllables of KS X 1001, every Han character of GB 2312 and the
level-1 kanji of JIS X 0208 — the characters of nearly every name written in Chinese, Japanese or
Korean. A rarer character shows as a missing glyph in the PDF (JSON, HTML and Markdown carry it
unchanged); adding characters is adding them here and running this again."""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = Path(__file__).parents[1] / "src" / "sihub_reports" / "render" / "fonts" / "NotoSansCJK-sihub.otf"
FACE = "Noto Sans CJK KR"
RANGES = [(0x20, 0x7E), (0xA0, 0x17F), (0x2010, 0x203A), (0x2190, 0x2193), (0x2212, 0x2212), (0x2264, 0x2265),
          (0x20A9, 0x20AC), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3130, 0x318F), (0xFF00, 0xFFEF)]


def _encodes(character: str, codec: str, lead_bytes: range | None = None) -> bool:
    try:
        encoded = character.encode(codec)
    except UnicodeEncodeError:
        return False
    # euc_kr spells the Hangul syllables outside KS X 1001 as 8-byte jamo sequences: not kept.
    return len(encoded) == 2 and (lead_bytes is None or encoded[0] in lead_bytes)


def han_of_legacy_charsets() -> set[int]:
    han = {c for c in range(0x4E00, 0xA000) if _encodes(chr(c), "gb2312")
           or _encodes(chr(c), "euc_jp", range(0xB0, 0xD0))}  # JIS X 0208 rows 16-47: level 1
    hangul = {c for c in range(0xAC00, 0xD7A4) if _encodes(chr(c), "euc_kr")}
    return han | hangul


def main() -> None:
    collection = TTCollection(SOURCE)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FACE)
    unicodes = han_of_legacy_charsets() | {c for low, high in RANGES for c in range(low, high + 1)}
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.layout_features = ["*"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(TARGET)
    print(f"{TARGET}: {len(unicodes)} characters, {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
