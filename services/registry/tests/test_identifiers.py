import pytest

from sihub_registry.geography import FieldError
from sihub_registry.identifiers import (
    IDENTIFIER_SCHEMES,
    Identifier,
    cn_usci_check_char,
    jp_corporate_number_check_digit,
    kr_brn_check_digit,
    normalise_value,
    th_tin_check_digit,
    validate_identifier,
)


def wrong_digit(value: str, position: int) -> str:
    digit = value[position]
    return value[:position] + str((int(digit) + 1) % 10) + value[position + 1 :]


def test_normalise_strips_separators_and_widths():
    assert normalise_value(" 124-81-00998 ") == "1248100998"
    assert normalise_value("１２４‐８１‐００９９８") == "1248100998"
    assert normalise_value("t09 ll 0001 b") == "T09LL0001B"


def test_kr_brn_check_digit():
    # Weights 1,3,7,1,3,7,1,3,5 plus floor(9th digit × 5 / 10); check = (10 − sum mod 10) mod 10.
    # 1·1+2·3+3·7+4·1+5·3+6·7+7·1+8·3+9·5 = 165, + floor(45/10) = 169 → check 1.
    assert kr_brn_check_digit("123456789") == "1"
    # A published number (Samsung Electronics) satisfies it.
    assert validate_identifier("KR-BRN", "124-81-00998") == Identifier("KR-BRN", "1248100998")
    assert validate_identifier("KR-BRN", "123-45-67891").value == "1234567891"
    for position in (0, 4, 9):
        with pytest.raises(FieldError) as raised:
            validate_identifier("KR-BRN", wrong_digit("1234567891", position))
        assert raised.value.field == "identifier.value"
    with pytest.raises(FieldError):
        validate_identifier("KR-BRN", "12345678")


def test_jp_corporate_number_check_digit():
    # Base 123456789012, weights from the right 1,2,1,2,…: 2·1+1·2+0·1+9·2+8·1+7·2+6·1+5·2+4·1
    # +3·2+2·1+1·2 = 74; 74 mod 9 = 2; check = 9 − 2 = 7.
    assert jp_corporate_number_check_digit("123456789012") == "7"
    assert validate_identifier("JP-JCN", "7123456789012").value == "7123456789012"
    # A published number (Toyota Motor Corporation).
    assert validate_identifier("JP-JCN", "1180301018771").value == "1180301018771"
    with pytest.raises(FieldError, match="check digit"):
        validate_identifier("JP-JCN", wrong_digit("7123456789012", 5))
    with pytest.raises(FieldError, match="check digit"):
        validate_identifier("JP-JCN", "8123456789012")


def test_cn_usci_check_char():
    base = "91110000" + "MA0000001"
    check = cn_usci_check_char(base)
    assert validate_identifier("CN-USCI", base + check).value == base + check
    # Published codes (Huawei Technologies, a letter check character) satisfy GB 32100-2015.
    assert validate_identifier("CN-USCI", "914403001922038216")
    assert validate_identifier("CN-USCI", "9144030071526726XG")
    with pytest.raises(FieldError, match="check character"):
        validate_identifier("CN-USCI", "914403001922038217")
    with pytest.raises(FieldError):
        validate_identifier("CN-USCI", wrong_digit("914403001922038216", 10))
    # I, O, S, V and Z are not in the code's alphabet.
    with pytest.raises(FieldError):
        validate_identifier("CN-USCI", "91440300192203821O")


def test_cn_usci_check_char_by_hand():
    # Characters are 0-9 then A=10 … (without I O S V Z); weights 3^i mod 31.
    # "11" + fifteen "0": 1·1 + 1·3 = 4; check = 31 − 4 = 27 → 'U'.
    assert cn_usci_check_char("11" + "0" * 15) == "U"


def test_th_tin_check_digit():
    # Weights 13…2 over 12 digits: 1·13+2·12+…+2·2 (digits 123456789012) = 1·13+2·12+3·11+4·10
    # +5·9+6·8+7·7+8·6+9·5+0·4+1·3+2·2 = 352; 352 mod 11 = 0; (11 − 0) mod 10 = 1.
    assert th_tin_check_digit("123456789012") == "1"
    assert validate_identifier("TH-TIN", "1234567890121").value == "1234567890121"
    assert validate_identifier("TH-TIN", "0-1055-36092-64-1").value == "0105536092641"
    with pytest.raises(FieldError, match="check digit"):
        validate_identifier("TH-TIN", wrong_digit("1234567890121", 0))


def test_sg_uen_shapes():
    for uen in ("53012345D", "200012345M", "T09LL0001B", "S98SS1234A"):
        assert validate_identifier("SG-ACRA", uen).value == uen
    for bad in ("5301234D", "2000123456", "T09L10001B", "X09LL0001B"):
        with pytest.raises(FieldError):
            validate_identifier("SG-ACRA", bad)


def test_unknown_schemes_are_accepted_without_format_check():
    assert validate_identifier("GB-COH", "01234567") == Identifier("GB-COH", "01234567")
    assert validate_identifier("zz-sihubdemo", "kr 001") == Identifier("ZZ-SIHUBDEMO", "KR001")


@pytest.mark.parametrize("scheme", ["KRBRN", "K-BRN", "KR-", "KR-B N", "12-BRN"])
def test_bad_scheme_names_the_scheme_field(scheme):
    with pytest.raises(FieldError) as raised:
        validate_identifier(scheme, "1", field="identifiers[2]")
    assert raised.value.field == "identifiers[2].scheme"


def test_empty_value():
    with pytest.raises(FieldError) as raised:
        validate_identifier("GB-COH", " - ")
    assert raised.value.field == "identifier.value"


def test_known_schemes_are_described():
    assert set(IDENTIFIER_SCHEMES) == {"KR-BRN", "JP-JCN", "CN-USCI", "SG-ACRA", "TH-TIN"}
