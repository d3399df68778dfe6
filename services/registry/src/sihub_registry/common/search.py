"""Text search over stored terms: a record matches when it has every term of the query.

A Latin (or romanised) query word of three or more letters also matches the words it begins
("camp" finds "campus"), so that a romanised name is findable by part of a word as the
character bigrams make Korean, Japanese, Chinese and Thai ones. Shorter words match whole,
because a one- or two-letter prefix selects too much of a large registry to be worth it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

import sqlalchemy as sa

from sihub_registry.names import Name, query_terms, search_terms
from sihub_shared.errors import ProblemError

TERM_MAX = 100
PREFIX_MIN = 3
_WORD = re.compile(r"[a-z0-9]+")


class QueryTerm(NamedTuple):
    text: str
    prefix: bool  # matches every stored term that starts with `text`
    concept: str | None = None  # a stored term that also matches (a legal-form word's concept)


def index_terms(names: Iterable[Name | str]) -> list[str]:
    """The distinct terms to store for some names (terms are cut to the column's width)."""
    terms = search_terms(names)  # sorted and distinct already, unless a cut makes two the same
    if max(map(len, terms), default=0) <= TERM_MAX:
        return terms
    return sorted({term[:TERM_MAX] for term in terms})


def parse_query(q: str | None) -> list[QueryTerm] | None:
    """The terms a `q` needs, or None without `q`; a `q` with nothing searchable is a 400."""
    if q is None:
        return None
    terms = query_terms(q)
    if not terms:
        raise ProblemError.for_field("q", "has no letters or digits to search for")
    return [QueryTerm(t[:TERM_MAX], len(t) >= PREFIX_MIN and _WORD.fullmatch(t) is not None, concept)
            for t, concept in terms]


def term_matches(column: Any, term: QueryTerm) -> sa.ColumnElement[bool]:
    """`column` holds `term`; a prefix as a range, which a B-tree index serves in any collation."""
    if not term.prefix:
        held = column == term.text
    else:
        upper = term.text[:-1] + chr(ord(term.text[-1]) + 1)
        held = sa.and_(column >= term.text, column < upper)
    return held if term.concept is None else sa.or_(held, column == term.concept)
