"""Possible duplicates among actors, across scripts and borders.

Two actors are possible duplicates when they share an identifier (same scheme and value), or
when one name of each, romanised with anyascii and stripped of legal-form words ("財団",
"Co., Ltd.", "주식회사", "มูลนิธิ", …), reads nearly the same: "Toyota Zaidan", "トヨタ財団"
and "The Toyota Foundation" all reduce to "toyota".

What this does not find: translations ("Korea Social Enterprise Promotion Agency" and
한국사회적기업진흥원 share no letters), abbreviations (KoSEA), and Japanese kanji names against
their Japanese reading (anyascii reads kanji in Mandarin: 慶應義塾 → qingyingyishu, not keio).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from sihub_registry.identifiers import normalise_value
from sihub_registry.names import legal_forms, romanised_core

# fuzz.ratio is the normalised Indel similarity: one substituted letter costs two edits, so 90
# lets one wrong letter through in a ten-letter name, two in a twenty-letter one (haetsal /
# haessal, typos; case, spacing, punctuation and legal forms are already normalised away).
NAME_THRESHOLD = 90.0
# A long shared generic tail lifts the ratio of different names over 90 ("Daegu Social Economy
# Innovation Town" / "Daejeon …", "Ulsan Social Innovation Office" / "Hunan …"). Spelling
# variants differ by a letter or two, different names by a whole word: so also cap the edits.
MAX_EDITS = 2
# Below four letters a single letter decides the score; such names (SK, 온) say too little.
MIN_FORM_LENGTH = 4
_ROW_BLOCK = 1024


@dataclass(frozen=True)
class DuplicateRecord:
    id: str
    names: Sequence[str]
    identifiers: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class PossibleDuplicate:
    first_id: str
    second_id: str
    reason: Literal["identifier", "name"]
    score: float
    detail: str


@dataclass(frozen=True)
class _Form:
    record: int
    name: str
    compact: str
    legal: frozenset[str]


def _forms(records: Sequence[DuplicateRecord]) -> list[_Form]:
    forms = []
    for index, record in enumerate(records):
        for name in record.names:
            compact = "".join(romanised_core(name))
            if len(compact) >= MIN_FORM_LENGTH:
                forms.append(_Form(index, name, compact, legal_forms(name)))
    return forms


def _vetoed(a: _Form, b: _Form) -> bool:
    if a.legal and b.legal and not a.legal & b.legal:
        return True  # e.g. a foundation and a company of the same family name
    return Levenshtein.distance(a.compact, b.compact, score_cutoff=MAX_EDITS) > MAX_EDITS


def _identifier_keys(record: DuplicateRecord) -> set[tuple[str, str]]:
    return {
        (scheme.strip().upper(), normalise_value(value)) for scheme, value in record.identifiers
    }


def _pairs(
    records: Sequence[DuplicateRecord], split: int | None, threshold: float
) -> list[PossibleDuplicate]:
    """Pairs among `records`; with `split`, only pairs between records[:split] and the rest."""

    def compared(i: int, j: int) -> bool:
        return i != j and (split is None or (i < split) != (j < split))

    best: dict[tuple[int, int], PossibleDuplicate] = {}

    owners: dict[tuple[str, str], list[int]] = {}
    for index, record in enumerate(records):
        for key in _identifier_keys(record):
            owners.setdefault(key, []).append(index)
    for (scheme, value), indexes in sorted(owners.items()):
        for i in indexes:
            for j in indexes:
                if i < j and compared(i, j) and (i, j) not in best:
                    best[(i, j)] = PossibleDuplicate(
                        records[i].id, records[j].id, "identifier", 100.0,
                        f"both have {scheme} {value}",
                    )  # fmt: skip

    forms = _forms(records)
    compacts = [form.compact for form in forms]
    # Only the forms on the first side of a split need to be scored against the others.
    rows = [form for form in forms if split is None or form.record < split]
    for start in range(0, len(rows), _ROW_BLOCK):
        block = rows[start : start + _ROW_BLOCK]
        scores = process.cdist(
            [f.compact for f in block], compacts, scorer=fuzz.ratio, score_cutoff=threshold
        )
        for a, row in zip(block, scores, strict=True):
            for column in row.nonzero()[0]:
                b, score = forms[column], round(float(row[column]), 1)
                i, j = sorted((a.record, b.record))
                if not compared(i, j) or _vetoed(a, b):
                    continue
                if (i, j) in best and best[(i, j)].score >= score:
                    continue
                first, second = (a, b) if a.record == i else (b, a)
                best[(i, j)] = PossibleDuplicate(
                    records[i].id, records[j].id, "name", score,
                    f"{first.name!r} ~ {second.name!r} "
                    f"(romanised {first.compact!r} / {second.compact!r})",
                )  # fmt: skip
    return sorted(best.values(), key=lambda d: (-d.score, d.first_id, d.second_id))


def find_possible_duplicates(
    records: Sequence[DuplicateRecord], threshold: float = NAME_THRESHOLD
) -> list[PossibleDuplicate]:
    """Every pair of records that may be the same actor, strongest first, one entry per pair
    (a shared identifier wins over a name match)."""
    return _pairs(records, None, threshold)


def possible_duplicates_of(
    record: DuplicateRecord,
    others: Sequence[DuplicateRecord],
    threshold: float = NAME_THRESHOLD,
) -> list[PossibleDuplicate]:
    """The records in `others` that may be the same actor as `record` (e.g. before creating it);
    `first_id` is always `record.id`."""
    return _pairs([record, *others], 1, threshold)
