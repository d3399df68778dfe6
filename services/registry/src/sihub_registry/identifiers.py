"""Organisation identifiers: `{scheme, value}` pairs with org-id.guide style scheme codes.

Known schemes get their published format and check-digit rules; any other scheme of the shape
`XX-NAME` is accepted as given, because registries elsewhere are many and the platform should not
refuse an organisation whose registry it does not know yet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from sihub_registry.geography import FieldError

_SCHEME_SHAPE = re.compile(r"[A-Z]{2}-[A-Z0-9]+")
# As a caller may write it (any case; `validate_identifier` upper-cases it), for the schema.
SCHEME_PATTERN = r"^[A-Za-z]{2}-[A-Za-z0-9]+$"
MAX_VALUE_LENGTH = 64
# A value must keep a character once separators are removed (`normalise_value`): "--" is no number.
VALUE_PATTERN = r"^[^\x00-\x1f\x7f]*[^\x00-\x20\x7f.\-\u2010-\u2015\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f]*$"
# Separators people type inside numbers: spaces, ASCII and Unicode dashes, dots.
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]+")


class Identifier(NamedTuple):
    scheme: str
    value: str


class IdentifierScheme(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    country: str
    format: str


def normalise_value(value: str) -> str:
    """Full-width to ASCII, upper case, spaces, dashes and dots removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def kr_brn_check_digit(first9: str) -> str:
    """Korean business registration number (사업자등록번호): the tenth digit."""
    digits = [int(c) for c in first9]
    total = sum(d * w for d, w in zip(digits, (1, 3, 7, 1, 3, 7, 1, 3, 5), strict=True))
    total += digits[8] * 5 // 10
    return str((10 - total % 10) % 10)


def jp_corporate_number_check_digit(base12: str) -> str:
    """Japanese corporate number (法人番号): the leading check digit for the 12 digits after it.

    Digits are weighted 1, 2, 1, 2, … from the right; check = 9 - (sum mod 9).
    """
    total = sum(int(c) * (2 if i % 2 else 1) for i, c in enumerate(reversed(base12)))
    return str(9 - total % 9)


# GB 32100-2015: 31 characters (no I, O, Z, S, V); weights are 3^i mod 31.
_USCI_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCI_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def cn_usci_check_char(first17: str) -> str:
    """Chinese unified social credit code (统一社会信用代码): the 18th character."""
    total = sum(_USCI_CHARSET.index(c) * w for c, w in zip(first17, _USCI_WEIGHTS, strict=True))
    return _USCI_CHARSET[(31 - total % 31) % 31]


def th_tin_check_digit(first12: str) -> str:
    """Thai 13-digit tax identification number: weights 13…2, check = (11 - sum mod 11) mod 10."""
    total = sum(int(c) * w for c, w in zip(first12, range(13, 1, -1), strict=True))
    return str((11 - total % 11) % 10)


def _check_kr_brn(value: str) -> str | None:
    if not re.fullmatch(r"\d{10}", value):
        return "a Korean business registration number has 10 digits"
    if kr_brn_check_digit(value[:9]) != value[9]:
        return "check digit does not match (Korean business registration number)"
    return None


def _check_jp_jcn(value: str) -> str | None:
    if not re.fullmatch(r"\d{13}", value):
        return "a Japanese corporate number has 13 digits"
    if jp_corporate_number_check_digit(value[1:]) != value[0]:
        return "check digit does not match (Japanese corporate number, first digit)"
    return None


def _check_cn_usci(value: str) -> str | None:
    # Positions 3 to 8 are the administrative division code, always digits.
    if not re.fullmatch(rf"[{_USCI_CHARSET}]{{2}}\d{{6}}[{_USCI_CHARSET}]{{10}}", value):
        return (
            "a unified social credit code has 18 characters from 0-9 and A-Y "
            "(without I, O, S, V, Z)"
        )
    if cn_usci_check_char(value[:17]) != value[17]:
        return "check character does not match (GB 32100-2015)"
    return None


# ACRA publishes the three UEN shapes but not their check-letter algorithm, so only shapes.
_SG_UEN = re.compile(
    r"\d{8}[A-Z]"  # businesses: nnnnnnnnX
    r"|(?:18|19|20)\d{2}\d{5}[A-Z]"  # local companies: yyyynnnnnX
    r"|[RST]\d{2}[A-Z]{2}\d{4}[A-Z]"  # other entities: TyyPQnnnnX (R 18xx, S 19xx, T 20xx)
)


def _check_sg_uen(value: str) -> str | None:
    if not _SG_UEN.fullmatch(value):
        return "not a Singapore UEN (nnnnnnnnX, yyyynnnnnX or TyyPQnnnnX)"
    return None


def _check_th_tin(value: str) -> str | None:
    if not re.fullmatch(r"\d{13}", value):
        return "a Thai tax identification number has 13 digits"
    if th_tin_check_digit(value[:12]) != value[12]:
        return "check digit does not match (Thai tax identification number)"
    return None


IDENTIFIER_SCHEMES: Mapping[str, IdentifierScheme] = MappingProxyType(
    {
        s.code: s
        for s in (
            IdentifierScheme(
                code="KR-BRN",
                name="Business registration number (사업자등록번호)",
                country="KR",
                format="10 digits, last is a check digit",
            ),
            IdentifierScheme(
                code="JP-JCN",
                name="Corporate number (法人番号)",
                country="JP",
                format="13 digits, first is a check digit",
            ),
            IdentifierScheme(
                code="CN-USCI",
                name="Unified social credit code (统一社会信用代码)",
                country="CN",
                format="18 characters per GB 32100-2015, last is a check character",
            ),
            IdentifierScheme(
                code="SG-ACRA",
                name="Unique Entity Number (UEN)",
                country="SG",
                format="nnnnnnnnX, yyyynnnnnX or TyyPQnnnnX",
            ),
            IdentifierScheme(
                code="TH-TIN",
                name="Tax identification number (เลขประจำตัวผู้เสียภาษีอากร)",
                country="TH",
                format="13 digits, last is a check digit",
            ),
        )
    }
)

_CHECKS: Mapping[str, Callable[[str], str | None]] = MappingProxyType(
    {
        "KR-BRN": _check_kr_brn,
        "JP-JCN": _check_jp_jcn,
        "CN-USCI": _check_cn_usci,
        "SG-ACRA": _check_sg_uen,
        "TH-TIN": _check_th_tin,
    }
)


def validate_identifier(scheme: str, value: str, field: str = "identifier") -> Identifier:
    """The normalised identifier, or FieldError naming `<field>.scheme` or `<field>.value`."""
    scheme = scheme.strip().upper()
    if not _SCHEME_SHAPE.fullmatch(scheme):
        raise FieldError(
            f"{field}.scheme", f"{scheme!r} is not a scheme code like 'KR-BRN' (XX-NAME)"
        )
    normalised = normalise_value(value)
    if not 1 <= len(normalised) <= MAX_VALUE_LENGTH:
        raise FieldError(f"{field}.value", f"must have 1 to {MAX_VALUE_LENGTH} characters")
    check = _CHECKS.get(scheme)
    problem = check(normalised) if check else None
    if problem:
        raise FieldError(f"{field}.value", problem)
    return Identifier(scheme, normalised)
