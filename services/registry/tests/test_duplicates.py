from sihub_registry.duplicates import (
    NAME_THRESHOLD,
    DuplicateRecord,
    find_possible_duplicates,
    possible_duplicates_of,
)


def pairs(records: list[DuplicateRecord]) -> dict[frozenset[str], tuple[str, float]]:
    return {
        frozenset((d.first_id, d.second_id)): (d.reason, d.score)
        for d in find_possible_duplicates(records)
    }


def test_shared_identifier_is_a_duplicate_across_notation():
    found = find_possible_duplicates(
        [
            DuplicateRecord("a", ["Samsung Electronics"], [("KR-BRN", "124-81-00998")]),
            DuplicateRecord("b", ["삼성전자"], [("kr-brn", "1248100998")]),
            DuplicateRecord("c", ["Other"], [("JP-JCN", "1248100998")]),  # other scheme
        ]
    )
    assert len(found) == 1
    assert (found[0].first_id, found[0].second_id, found[0].reason) == ("a", "b", "identifier")
    assert found[0].score == 100.0
    assert "KR-BRN 1248100998" in found[0].detail


def test_romanisation_and_legal_forms_across_scripts():
    found = pairs(
        [
            DuplicateRecord("jp", ["トヨタ財団"]),
            DuplicateRecord("romaji", ["Toyota Zaidan"]),
            DuplicateRecord("en", ["The Toyota Foundation"]),
        ]
    )
    # トヨタ romanises to toyota; 財団, zaidan and foundation are all stripped as legal forms.
    # So even the English name matches, though only because its distinctive word is the same.
    assert found == {
        frozenset({"jp", "romaji"}): ("name", 100.0),
        frozenset({"jp", "en"}): ("name", 100.0),
        frozenset({"romaji", "en"}): ("name", 100.0),
    }


def test_translations_are_not_found():
    found = find_possible_duplicates(
        [
            DuplicateRecord("en", ["Korea Social Enterprise Promotion Agency"]),
            DuplicateRecord("ko", ["한국사회적기업진흥원"]),
            DuplicateRecord("abbr", ["KoSEA"]),
            # anyascii reads kanji in Mandarin: 慶應義塾大学 → qingyingyishudaxue, not keio.
            DuplicateRecord("keio-en", ["Keio University"]),
            DuplicateRecord("keio-ja", ["慶應義塾大学"]),
        ]
    )
    assert found == []


def test_romanisation_variants_and_typos_are_found():
    found = pairs(
        [
            DuplicateRecord("a", ["Haetsal Care Cooperative"]),
            DuplicateRecord("b", ["Haessal Care Co-op"]),
            DuplicateRecord("c", ["주식회사 햇살돌봄"]),
            DuplicateRecord("d", ["Haessal Dolbom Co., Ltd."]),
        ]
    )
    assert found[frozenset({"a", "b"})][0] == "name"
    assert found[frozenset({"a", "b"})][1] >= NAME_THRESHOLD
    # 햇살돌봄 transliterates to haessaldolbom, which a hand-typed romanisation can meet.
    assert found[frozenset({"c", "d"})] == ("name", 100.0)
    assert frozenset({"a", "c"}) not in found  # care / 돌봄 is a translation


def test_shared_generic_tails_do_not_make_duplicates():
    found = find_possible_duplicates(
        [
            DuplicateRecord(
                "dg", ["Daegu Social Economy Innovation Town", "대구 사회적경제 혁신타운"]
            ),
            DuplicateRecord(
                "dj", ["Daejeon Social Economy Innovation Town", "대전 사회적경제 혁신타운"]
            ),
            DuplicateRecord(
                "gn", ["Gyeongnam Social Economy Innovation Town", "경남 사회적경제 혁신타운"]
            ),
            DuplicateRecord(
                "cn", ["Chungnam Social Economy Innovation Town", "충남 사회적경제 혁신타운"]
            ),
            DuplicateRecord("seoul", ["Social Campus On Seoul", "소셜캠퍼스 온 서울"]),
            DuplicateRecord("busan", ["Social Campus On Busan", "소셜캠퍼스 온 부산"]),
            DuplicateRecord("ulsan", ["Ulsan Social Innovation Office"]),
            DuplicateRecord("hunan", ["Hunan Social Innovation Office"]),
        ]
    )
    assert found == []


def test_different_legal_forms_are_not_duplicates():
    found = find_possible_duplicates(
        [
            DuplicateRecord("foundation", ["Toyota Foundation"]),
            DuplicateRecord("company", ["Toyota Co., Ltd."]),
            DuplicateRecord("plain", ["Toyota"]),
        ]
    )
    assert {frozenset((d.first_id, d.second_id)) for d in found} == {
        frozenset({"foundation", "plain"}),
        frozenset({"company", "plain"}),
    }


def test_short_names_are_not_compared():
    assert (
        find_possible_duplicates([DuplicateRecord("a", ["SK"]), DuplicateRecord("b", ["SK"])]) == []
    )


def test_one_entry_per_pair_and_identifier_wins():
    found = find_possible_duplicates(
        [
            DuplicateRecord("a", ["Toyota Zaidan", "トヨタ財団"], [("JP-JCN", "1180301018771")]),
            DuplicateRecord("b", ["トヨタ財団"], [("JP-JCN", "1180301018771")]),
        ]
    )
    assert len(found) == 1 and found[0].reason == "identifier"


def test_possible_duplicates_of_one_new_record():
    existing = [
        DuplicateRecord("tf", ["The Toyota Foundation", "公益財団法人トヨタ財団"]),
        DuplicateRecord("keio", ["Keio University"]),
        DuplicateRecord("tz", ["Toyota Zaidan"]),
    ]
    found = possible_duplicates_of(DuplicateRecord("new", ["トヨタ財団"]), existing)
    assert [(d.first_id, d.second_id) for d in found] == [("new", "tf"), ("new", "tz")]
    # Pairs among the existing records are not reported.
    assert all(d.first_id == "new" for d in found)
    assert possible_duplicates_of(DuplicateRecord("x", ["Keio Univ."]), existing) == []
