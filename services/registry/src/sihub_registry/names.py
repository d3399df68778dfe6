"""Multilingual names and the search terms a database indexes for them.

Korean, Japanese, Chinese and Thai names are written without spaces between the words of a
compound (소셜캠퍼스, トヨタ財団), so word tokens cannot find their parts. Those scripts are indexed
as character unigrams and bigrams: a query of two or more characters becomes its bigrams, and it
matches when every query term is among the actor's terms. Latin (and other spaced) scripts are
indexed as lower-case word tokens. Every name is also romanised with anyascii, so a Latin query
can reach a local-script name.

What anyascii romanisation does and does not give:
- kana → Hepburn-like romaji (トヨタ → toyota), so katakana and hiragana names are findable;
- Hangul → a letter-by-letter transliteration close to Revised Romanisation (서울 → seoul,
  햇살 → haessal rather than haetsal);
- Han characters → Mandarin pinyin for Chinese and Japanese alike (北京 → beijing, but
  慶應 → qingying, not keio; 財団 → caituan, not zaidan);
- Thai → letters in written order (ใจดี → aichdi, not jai di): rarely what a person types.
Legal-form words are the exception that makes "toyota zaidan" find トヨタ財団: every known legal
form, in any script or romanisation, also yields one English concept term (財団, 재단, zaidan,
มูลนิธิ → "foundation").
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from typing import Annotated

from anyascii import anyascii
from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from sihub_registry.geography import FieldError
from sihub_shared.strict import LANGUAGE_TAG_PATTERN, STRICT, FilledLine, FilledText, LanguageTag

_LANG_TAG = re.compile(LANGUAGE_TAG_PATTERN)


def normalise_lang(tag: str, field: str = "lang") -> str:
    """A BCP 47 tag in its canonical case (zh-hans-tw → zh-Hans-TW), or FieldError."""
    if not isinstance(tag, str) or not _LANG_TAG.fullmatch(tag):
        raise FieldError(field, f"{tag!r} is not a BCP 47 language tag such as 'ko' or 'zh-Hans'")
    return _canonical_tag(tag)


@lru_cache(maxsize=1024)  # a bulk import repeats a handful of tags on every row
def _canonical_tag(tag: str) -> str:
    subtags = tag.lower().split("-")
    canonical = [subtags[0]]
    after_singleton = False
    for subtag in subtags[1:]:
        after_singleton = after_singleton or len(subtag) == 1
        if not after_singleton and len(subtag) == 2:
            subtag = subtag.upper()
        elif not after_singleton and len(subtag) == 4 and subtag.isalpha():
            subtag = subtag.title()
        canonical.append(subtag)
    return "-".join(canonical)


class LocalizedText(BaseModel):
    """A text in one language: descriptions, titles, summaries."""

    model_config = ConfigDict(**STRICT, frozen=True)

    value: Annotated[FilledText, StringConstraints(max_length=4000)]
    lang: LanguageTag

    @field_validator("lang")
    @classmethod
    def _canonical_lang(cls, tag: str) -> str:
        return normalise_lang(tag)


class Name(LocalizedText):
    value: Annotated[FilledLine, StringConstraints(max_length=300)]


def validate_names(names: Iterable[Name | Mapping[str, str]], field: str = "names") -> list[Name]:
    """At least one name, no name twice in the same language; FieldError otherwise."""
    validated = [n if isinstance(n, Name) else Name.model_validate(n) for n in names]
    if not validated:
        raise FieldError(field, "at least one name is required")
    seen: set[tuple[str, str]] = set()
    for index, name in enumerate(validated):
        key = (name.lang, fold(name.value))
        if key in seen:
            raise FieldError(f"{field}[{index}]", f"{name.value!r} ({name.lang}) is given twice")
        seen.add(key)
    return validated


# Legal-form words → one English concept term each. Latin entries are token phrases (matched
# on whole words, after romanisation); the others are matched as substrings.
LEGAL_FORMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "foundation": (
            "foundation", "zaidan", "zaidan hojin", "koeki zaidan hojin", "ippan zaidan hojin",
            "jaedan", "jaedan beobin", "jijinhui", "mulnithi",
            "公益財団法人", "一般財団法人", "財団法人", "財団", "재단법인", "재단",
            "基金会", "基金會", "มูลนิธิ",
        ),
        "company": (
            "company", "co ltd", "ltd", "limited", "inc", "incorporated", "corp", "corporation",
            "llc", "plc", "pcl", "pte ltd", "kabushiki kaisha", "kabushiki gaisha",
            "kabushikigaisha", "godo kaisha", "yugen kaisha", "jusik hoesa", "jusikhoesa",
            "youxian gongsi", "borisat", "chamkat",
            "株式会社", "有限会社", "合同会社", "주식회사", "유한회사", "(주)",
            "股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "บริษัท", "จำกัด",
        ),
        "cooperative": (
            "cooperative", "co operative", "co op", "coop", "kyodo kumiai", "hyeopdong johap",
            "hezuoshe", "sahakon",
            "協同組合", "협동조합", "合作社", "สหกรณ์",
        ),
        "association": (
            "association", "shadan hojin", "ippan shadan hojin", "sadan beobin", "xiehui",
            "samakhom",
            "一般社団法人", "公益社団法人", "社団法人", "사단법인", "(사)", "协会", "協會", "協会",
            "สมาคม",
        ),
        "nonprofit": (
            "nonprofit", "non profit", "npo", "npo hojin", "ngo",
            "tokutei hieiri katsudo hojin",
            "特定非営利活動法人", "npo法人", "비영리", "非营利", "非營利",
        ),
    }
)  # fmt: skip


# NFKC splits Thai SARA AM and Lao AM into NIKHAHIT + AA; put them back together, as people type
# and see them as one vowel.
_AM_SPLIT = (("\u0e4d\u0e32", "\u0e33"), ("\u0ecd\u0eb2", "\u0eb3"))


def fold(text: str) -> str:
    """Compatibility-normalised (full-width → ASCII, ㈜ → (주)) and case-folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    for split, joined in _AM_SPLIT:
        folded = folded.replace(split, joined)
    return folded


_HAN, _KANA, _HANGUL, _SPACELESS = "han", "kana", "hangul", "spaceless"
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0E00, 0x0EFF, _SPACELESS),  # Thai, Lao
    (0x1000, 0x109F, _SPACELESS),  # Myanmar
    (0x1100, 0x11FF, _HANGUL),  # jamo
    (0x1780, 0x17FF, _SPACELESS),  # Khmer
    (0x3005, 0x3007, _HAN),  # iteration mark 々, closing mark, ideographic zero
    (0x3040, 0x30FA, _KANA),  # hiragana, katakana (30FB ・ is punctuation)
    (0x30FC, 0x30FF, _KANA),  # ー and kana iteration marks
    (0x3130, 0x318F, _HANGUL),  # compatibility jamo
    (0x31F0, 0x31FF, _KANA),
    (0x3400, 0x4DBF, _HAN),
    (0x4E00, 0x9FFF, _HAN),
    (0xA960, 0xA97F, _HANGUL),
    (0xAC00, 0xD7FF, _HANGUL),  # syllables, jamo extended-B
    (0xF900, 0xFAFF, _HAN),
    (0x20000, 0x3134F, _HAN),
)


@lru_cache(maxsize=8192)  # per character, in the hot loop of every import
def _script(char: str) -> str | None:
    """The script of a character indexed as characters (Han, kana, Hangul, Thai and its
    neighbours), None for word-indexed scripts, digits and punctuation."""
    point = ord(char)
    for low, high, script in _SCRIPT_RANGES:
        if low <= point <= high:
            return script
    return None


def _split(text: str) -> tuple[str, list[str]]:
    """Folded text → (the spaced-script remainder, the runs of spaceless-script characters)."""
    if text.isascii():  # no spaceless script, no combining mark: English and romanised names
        return " ".join(text.split()), []
    spaced: list[str] = []
    runs: list[str] = []
    current: list[str] = []
    for char in text:
        # A combining mark stays with what it combines with (Thai vowels and tone marks).
        in_run = _script(char) is not None or (bool(current) and unicodedata.category(char) == "Mn")
        if in_run:
            if not current:
                spaced.append(" ")  # keep the words on either side of a run apart
            current.append(char)
            continue
        if current:
            runs.append("".join(current))
            current = []
        spaced.append(char)
    if current:
        runs.append("".join(current))
    return " ".join("".join(spaced).split()), runs


def _letters(run: str) -> list[str]:
    """The run's characters without combining marks: a Thai vowel or tone mark is not a letter
    of its own, and leaving marks out lets a query that stops before one (สำน in สำนัก) match,
    as accents are ignored in Latin words."""
    return [char for char in run if unicodedata.category(char) != "Mn"]


def _bigrams(letters: Sequence[str]) -> list[str]:
    return [a + b for a, b in pairwise(letters)]


def _bridges(text: str) -> list[str]:
    """The letter pairs across the spaces between two runs of spaceless scripts (`소셜캠퍼스 온` →
    `스온`): a query that leaves those spaces out (`소셜캠퍼스온`), as Korean and Thai writers often
    do, still finds the name."""
    bridges: list[str] = []
    last, spaced = "", False
    for char in text:
        if _script(char) is not None:
            if unicodedata.category(char) == "Mn":
                continue  # a mark is not a letter of its own (see _letters)
            if spaced:
                bridges.append(last + char)
            last, spaced = char, False
        elif char.isspace():
            spaced = bool(last)
        else:
            last, spaced = "", False
    return bridges


_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=65536)  # mostly single characters, which repeat across names
def _ascii_word(text: str) -> str:
    return _NOT_ASCII_WORD.sub("", anyascii(text).lower())


def _word_tokens(spaced: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", anyascii(spaced).lower())


def _script_parts(run: str) -> Iterator[tuple[str | None, list[str]]]:
    """The run cut where the script changes: (script, its characters)."""
    part: list[str] = []
    part_script: str | None = None
    for char in run:
        script = _script(char)
        # A combining mark stays in the part before it; only a change of script needs the check.
        if part and script != part_script and unicodedata.category(char) == "Mn":
            script = part_script
        if part and script != part_script:
            yield part_script, part
            part = []
        part_script = script
        part.append(char)
    if part:
        yield part_script, part


def _romanised_terms(run: str) -> set[str]:
    """The run's romanisation per script part; Han and Hangul also as syllable pairs, because
    each of their characters is one syllable and the words inside a compound are mostly two."""
    terms: set[str] = set()
    for script, chars in _script_parts(run):
        # anyascii romanises character by character: a part's word is its characters' joined.
        words = [_ascii_word(char) for char in chars]
        if script in (_HAN, _HANGUL):
            syllables = [word for word in words if word]
            terms.update(a + b for a, b in pairwise(syllables))
        terms.add("".join(words))
    terms.discard("")
    return terms


_LATIN_LEGAL_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        (
            (tuple(surface.split()), concept)
            for concept, surfaces in LEGAL_FORMS.items()
            for surface in surfaces
            if surface.isascii() and re.fullmatch(r"[a-z0-9 ]+", surface)
        ),
        key=lambda item: -len(item[0]),
    )
)
_SCRIPT_LEGAL_FORMS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            (fold(surface), concept)
            for concept, surfaces in LEGAL_FORMS.items()
            for surface in surfaces
            if not re.fullmatch(r"[a-z0-9 ]+", surface)
        ),
        key=lambda item: -len(item[0]),
    )
)


# The same phrases by first token (longest first), so that a token is compared only with the
# phrases it can start.
_LATIN_LEGAL_PHRASES_BY_FIRST: Mapping[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
for _phrase, _concept in _LATIN_LEGAL_PHRASES:
    _LATIN_LEGAL_PHRASES_BY_FIRST[_phrase[0]].append((_phrase, _concept))


def _legal_phrase_at(tokens: Sequence[str], start: int) -> tuple[int, str] | None:
    """The longest legal-form phrase starting at `start`: (its length in tokens, its concept)."""
    for phrase, concept in _LATIN_LEGAL_PHRASES_BY_FIRST.get(tokens[start], ()):
        if tuple(tokens[start : start + len(phrase)]) == phrase:
            return len(phrase), concept
    return None


def _merge_legal_phrases(tokens: Sequence[str]) -> list[tuple[str, str | None]]:
    """Tokens grouped left to right into (text, concept) with legal-form phrases as one item."""
    items: list[tuple[str, str | None]] = []
    start = 0
    while start < len(tokens):
        found = _legal_phrase_at(tokens, start)
        if found:
            length, concept = found
            items.append((" ".join(tokens[start : start + length]), concept))
            start += length
        else:
            items.append((tokens[start], None))
            start += 1
    return items


def legal_forms(value: str) -> frozenset[str]:
    """The legal-form concepts ("foundation", "company", …) a name carries, in any script."""
    text = fold(value)
    spaced, _ = _split(text)
    return _legal_concepts(text, _word_tokens(spaced))


# The script legal forms by first character: a text is searched only for the forms that can
# start with one of its characters.
_SCRIPT_LEGAL_FORMS_BY_FIRST: Mapping[str, list[tuple[str, str]]] = defaultdict(list)
for _surface, _concept in _SCRIPT_LEGAL_FORMS:
    _SCRIPT_LEGAL_FORMS_BY_FIRST[_surface[0]].append((_surface, _concept))


def _legal_concepts(text: str, tokens: Sequence[str]) -> frozenset[str]:
    """legal_forms() of a folded text and its word tokens."""
    concepts = {concept for _, concept in _merge_legal_phrases(tokens) if concept}
    for char in set(text).intersection(_SCRIPT_LEGAL_FORMS_BY_FIRST):
        concepts.update(concept for surface, concept in _SCRIPT_LEGAL_FORMS_BY_FIRST[char] if surface in text)
    return frozenset(concepts)


def romanised_core(value: str) -> list[str]:
    """The name romanised to lower-case ASCII words, legal-form words and "the" removed.

    Each spaceless run is one word (トヨタ → toyota). If nothing but those words is left, the
    words are kept, so that a name never vanishes.
    """
    text = fold(value)
    stripped = text
    for surface, _ in _SCRIPT_LEGAL_FORMS:
        stripped = stripped.replace(surface, " ")
    spaced, runs = _split(stripped)
    words = [
        word
        for word, concept in _merge_legal_phrases(_word_tokens(spaced))
        if not concept and word != "the"
    ]
    words += [word for word in (_ascii_word(run) for run in runs) if word]
    if words:
        return words
    spaced, runs = _split(text)
    return _word_tokens(spaced) + [w for w in (_ascii_word(run) for run in runs) if w]


def _name_terms(value: str) -> set[str]:
    text = fold(value)
    spaced, runs = _split(text)
    tokens = _word_tokens(spaced)
    terms = set(tokens)
    terms.update(_legal_concepts(text, tokens))
    for run in runs:
        letters = _letters(run)
        terms.update(letters)
        terms.update(_bigrams(letters))
        terms.update(_romanised_terms(run))
    if len(runs) > 1:
        terms.update(_bridges(text))
    return terms


def search_terms(names: Iterable[Name | str]) -> list[str]:
    """What to index for an actor's names (sorted, distinct)."""
    terms: set[str] = set()
    for name in names:
        terms |= _name_terms(name.value if isinstance(name, Name) else name)
    return sorted(terms)


def query_terms(query: str) -> list[tuple[str, str | None]]:
    """The terms a query needs, each `(term, concept)`: an actor matches when it has, for every
    one, the term or (where not None) the concept.

    A legal-form word may also be its concept ("zaidan" → "foundation"), to meet the concept term
    every name with that legal form carries, in whatever script it is written; it stays a word of
    its own too ("inc" finds Incheon, "corp" Corporate). A legal-form phrase of several words is
    its concept alone.
    """
    text = fold(query)
    spaced, runs = _split(text)
    terms: set[tuple[str, str | None]] = set()
    for words, concept in _merge_legal_phrases(_word_tokens(spaced)):
        if concept is None:
            terms.add((words, None))
        elif " " in words:
            terms.add((concept, None))
        else:
            terms.add((words, concept))
    for run in runs:
        letters = _letters(run)
        terms.update((term, None) for term in (_bigrams(letters) if len(letters) > 1 else letters))
    return sorted(terms, key=lambda term: (term[0], term[1] or ""))
