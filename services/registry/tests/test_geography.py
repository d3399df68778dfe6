import pycountry
import pytest

from sihub_registry.geography import FieldError, regions_of, validate_country, validate_region


def test_countries_of_the_platform():
    assert validate_country("KR") == "South Korea"
    assert validate_country("JP") == "Japan"
    for code in ("CN", "SG", "TH"):
        assert validate_country(code)


@pytest.mark.parametrize("code", ["kr", "KOR", "XX", "", "K1"])
def test_bad_country_names_the_field(code):
    with pytest.raises(FieldError) as raised:
        validate_country(code)
    assert raised.value.field == "country"
    assert isinstance(raised.value, ValueError)


def test_region_under_its_country():
    assert validate_region("KR", "KR-26") == pycountry.subdivisions.get(code="KR-26").name
    assert "Busan" in validate_region("KR", "KR-26")
    assert "Tokyo" in validate_region("JP", "JP-13")
    assert validate_region("TH", "TH-10")


def test_region_of_another_country_is_rejected_naming_region():
    with pytest.raises(FieldError) as raised:
        validate_region("JP", "KR-26")
    assert raised.value.field == "region"
    assert "KR-26" in raised.value.message and "JP" in raised.value.message


def test_unknown_region_and_bad_shape():
    with pytest.raises(FieldError) as raised:
        validate_region("KR", "KR-99")
    assert raised.value.field == "region"
    with pytest.raises(FieldError) as raised:
        validate_region("KR", "Busan")
    assert raised.value.field == "region"


def test_bad_country_is_reported_before_the_region():
    with pytest.raises(FieldError) as raised:
        validate_region("ZZ", "KR-26")
    assert raised.value.field == "country"


def test_gangwon_is_whatever_pycountry_holds():
    # Gangwon became a special self-governing province in 2023; ISO keeps KR-42 in this data.
    gangwon = [code for code, name in regions_of("KR").items() if "Gangwon" in name]
    assert len(gangwon) == 1
    assert validate_region("KR", gangwon[0])


def test_region_counts_match_the_design_notes():
    assert {c: len(regions_of(c)) for c in ("KR", "JP", "CN", "SG", "TH")} == {
        "KR": 17,
        "JP": 47,
        "CN": 34,
        "SG": 5,
        "TH": 78,
    }
