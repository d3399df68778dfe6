import unicodedata

import pytest
from pydantic import ValidationError

from sihub_registry.geography import FieldError
from sihub_registry.names import (
    LocalizedText,
    Name,
    legal_forms,
    normalise_lang,
    query_terms,
    romanised_core,
    search_terms,
    validate_names,
)


def finds(names: list[str], query: str) -> bool:
    """How the registry searches: every query term must be among the actor's terms."""
    terms = set(search_terms(names))
    wanted = query_terms(query)
    return bool(wanted) and all(term in terms or concept in terms for term, concept in wanted)


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("en", "en"),
        ("ko", "ko"),
        ("zh-hans", "zh-Hans"),
        ("ZH-HANT-tw", "zh-Hant-TW"),
        ("th-TH", "th-TH"),
        ("ja-Latn", "ja-Latn"),
        ("es-419", "es-419"),
        ("yue", "yue"),
        ("en-US-u-ca-gregory", "en-US-u-ca-gregory"),
        ("de-CH-1901", "de-CH-1901"),
        ("en-x-sihub", "en-x-sihub"),
    ],
)
def test_bcp47_tags_are_accepted_in_canonical_case(tag, canonical):
    assert normalise_lang(tag) == canonical


@pytest.mark.parametrize("tag", ["", "english", "e", "zh_Hans", "en-", "x-private", "ko-KR-", "12"])
def test_malformed_tags_are_rejected(tag):
    with pytest.raises(FieldError) as raised:
        normalise_lang(tag)
    assert raised.value.field == "lang"


def test_name_model():
    name = Name(value="  트리플래닛 ", lang="ko")
    assert name.value == "트리플래닛"
    assert Name(value="x", lang="zh-hant").lang == "zh-Hant"
    with pytest.raises(ValidationError):
        Name(value="", lang="en")
    with pytest.raises(ValidationError):
        Name(value="a" * 301, lang="en")
    with pytest.raises(ValidationError):
        Name(value="Keio", lang="japanese")
    assert LocalizedText(value="a" * 1000, lang="en").lang == "en"


def test_validate_names():
    names = validate_names(
        [{"value": "Keio University", "lang": "en"}, Name(value="KEIO", lang="en")]
    )
    assert [n.value for n in names] == ["Keio University", "KEIO"]
    with pytest.raises(FieldError) as raised:
        validate_names([])
    assert raised.value.field == "names"
    with pytest.raises(FieldError) as raised:
        validate_names([Name(value="Keio", lang="en"), Name(value="keio", lang="en")])
    assert raised.value.field == "names[1]"
    # The same text in two languages is two names.
    assert (
        len(validate_names([Name(value="KoSEA", lang="en"), Name(value="KoSEA", lang="ko")])) == 2
    )


def test_korean_substring_is_found():
    assert finds(["소셜캠퍼스 온 서울"], "캠퍼스")
    assert finds(["소셜캠퍼스 온 서울"], "소셜캠퍼스 온")
    assert finds(["소셜캠퍼스 온 서울"], "서")
    assert not finds(["소셜캠퍼스 온 서울"], "부산")


def test_japanese_substring_and_romaji_are_found():
    assert finds(["トヨタ財団"], "財団")
    assert finds(["公益財団法人トヨタ財団"], "トヨタ")
    assert finds(["トヨタ財団"], "toyota")
    assert finds(["トヨタ財団"], "Toyota")
    assert not finds(["トヨタ財団"], "財務")


def test_toyota_zaidan_finds_the_japanese_name_through_the_legal_form():
    # anyascii reads 財団 in Mandarin (caituan), so "zaidan" cannot match it letter by letter;
    # it matches because both are the legal form "foundation".
    assert "caituan" in search_terms(["トヨタ財団"])
    assert "zaidan" not in search_terms(["トヨタ財団"])
    assert query_terms("toyota zaidan") == [("toyota", None), ("zaidan", "foundation")]
    assert finds(["トヨタ財団"], "toyota zaidan")
    assert finds(["トヨタ財団"], "Toyota Foundation")
    assert finds(["The Toyota Foundation"], "toyota zaidan")
    assert not finds(["トヨタ自動車株式会社"], "toyota zaidan")


def test_chinese_substring_and_pinyin_are_found():
    name = ["北京社会企业有限公司"]
    assert finds(name, "社会企业")
    assert finds(name, "企")
    assert finds(name, "beijing")
    assert finds(name, "shehui qiye")
    assert finds(name, "company")
    assert not finds(name, "上海")


def test_thai_substring_is_found_without_splitting_marks():
    name = ["มูลนิธิเพื่อการพัฒนาชนบท"]
    assert finds(name, "นิธิ")
    assert finds(name, "การพัฒนา")
    assert finds(name, "มูลนิธิ")
    assert finds(name, "foundation")
    assert not finds(name, "สหกรณ์")
    # Vowel and tone marks are ignored in the character terms, like accents in Latin words,
    # so a query that stops before a mark still matches.
    assert not any(unicodedata.category(c) == "Mn" for t in search_terms(name) for c in t)
    assert finds(["สำนักงาน"], "สำน")
    assert finds(["สำนักงาน"], "สำนัก")


def test_latin_words_are_lowercase_tokens():
    names = ["Café Social Co., Ltd."]
    assert {"cafe", "social", "co", "ltd", "company"} <= set(search_terms(names))
    assert finds(names, "CAFÉ")
    assert finds(names, "social co ltd")
    assert not finds(names, "soc")  # whole words only in spaced scripts


def test_korean_romanisation_is_a_transliteration():
    terms = search_terms(["소셜캠퍼스 온 서울"])
    assert "seoul" in terms and "sosyeolkaempeoseu" in terms
    assert finds(["소셜캠퍼스 온 서울"], "seoul")
    # 캠퍼스 is transliterated kaempeoseu, so the English "campus" is not found: a translation.
    assert not finds(["소셜캠퍼스 온 서울"], "campus")


def test_legal_forms_in_any_script():
    assert legal_forms("トヨタ財団") == {"foundation"}
    assert legal_forms("재단법인 아름다운재단") == {"foundation"}
    assert legal_forms("㈜트리플래닛") == {"company"}
    assert legal_forms("Happy Co-op") == {"cooperative"}
    assert legal_forms("บริษัท ปันสุข จำกัด") == {"company"}
    assert legal_forms("NPO法人ひだまり") == {"nonprofit"}
    assert legal_forms("Keio University") == frozenset()


def test_romanised_core_strips_legal_forms():
    assert romanised_core("公益財団法人トヨタ財団") == ["toyota"]
    assert romanised_core("The Toyota Foundation") == ["toyota"]
    assert romanised_core("Toyota Zaidan") == ["toyota"]
    assert romanised_core("주식회사 햇살돌봄") == ["haessaldolbom"]
    assert romanised_core("Foundation") == ["foundation"]  # nothing else left: keep it


def test_every_query_of_a_name_is_found_by_that_name():
    names = [
        "소셜캠퍼스 온 서울",
        "한국사회적기업진흥원",
        "公益財団法人トヨタ財団",
        "慶應義塾大学",
        "北京社会企业有限公司",
        "สำนักงานส่งเสริมวิสาหกิจเพื่อสังคม",
        "Korea Social Enterprise Promotion Agency",
        "Happy Co-op Pte. Ltd.",
    ]
    for name in names:
        assert finds([name], name), name
        # ... and every two-character piece of it.
        for start in range(len(name) - 1):
            piece = name[start : start + 2]
            if piece.strip() and not piece.isascii():
                assert {term for term, _ in query_terms(piece)} <= set(search_terms([name])), (name, piece)


def test_a_query_without_the_spaces_between_words_of_a_spaceless_script_finds_the_name():
    assert finds(["소셜캠퍼스 온 서울"], "소셜캠퍼스온")
    assert finds(["소셜캠퍼스 온 서울"], "캠퍼스온서울")
    assert finds(["한국 사회적기업 진흥원"], "사회적기업진흥원")
    assert finds(["มูลนิธิ เพื่อ สังคม"], "มูลนิธิเพื่อสังคม")
    assert finds(["소셜캠퍼스 온 서울"], "소셜캠퍼스 온")  # with the spaces, as before
    assert not finds(["소셜캠퍼스 온 서울"], "스서")  # only neighbours are joined


def test_term_counts_stay_modest():
    assert len(search_terms(["Korea Social Enterprise Promotion Agency"])) <= 6
    assert len(search_terms(["한국사회적기업진흥원"])) <= 40
    assert len(search_terms(["สำนักงานส่งเสริมวิสาหกิจเพื่อสังคม"])) <= 70


def test_queries_without_letters_have_no_terms():
    assert query_terms("  -- !! ") == []
