r"""Actor files: reading an import (CSV or JSON, UTF-8 only) into payload dicts, and writing the
same CSV columns back out.

CSV columns (header row required, names case-insensitive, any order, unknown columns refused):

    ref, kind, country, region, locality, founded_year, website, illustrative
    name_<lang>          a column per language: name_en, name_ko, name_ja, name_zh-Hans, name_th, name_ko-Latn, ...;
                         a language's column may repeat, for a second (third, ...) name in it: name_en,name_en
    description_<lang>   likewise, once per language (an actor has one description in a language)
    issue_areas          codes separated by ";"           education;employment
    offers, needs        capability[:detail] by ";"       funding:seed grants;mentoring
    certifications       scheme:level[:valid_from[:valid_to[:number]]] by ";"   kr_certified_social_enterprise:job_provision:2019-05-01
                         (the number is the rest of the item, colons included: ...:2019-05-01::2019-123)
    identifiers          SCHEME:value by ";"              KR-BRN:1234567890;JP-JCN:...
    contact_name, contact_role, contact_email, contact_phone   one contact

Empty cells are absent values. In a list cell, `\;` is a ";" inside an item and `\\` a backslash
(`funding:seed grants\; loans;mentoring` is two offers); any other backslash is itself, so a file
written before the escape reads as it did unless a backslash there stands before ";" or another one. The read-only columns an export adds
(id, sector, version, updated_at) are accepted and ignored, so an export can be imported elsewhere.
JSON: an array of actors as `POST /actors` takes them (or {"actors": [...]}); the fields a JSON
export adds (id, sector, owner, version, times: `ActorImportItem`) are likewise checked and read
past, and a deleted actor's record is a row error.
Rows are numbered from 1 (the first row after the header); `line` in an error is the file line where that row ends.

Spreadsheet formulas are never written (OWASP CSV injection): a cell that would start with =, +,
-, @, tab or carriage return is written with a single quote in front, in every column, text or
number alike (the registry's numeric columns, founded_year and version, are never negative, so
no number changes). An import drops that quote again ("'=x" reads as "=x"), so that an export
imports as it was.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sihub_registry.geography import FieldError
from sihub_registry.names import normalise_lang
from sihub_shared.errors import NESTED_TOO_DEEPLY, ProblemError

SCALAR_COLUMNS = ("ref", "kind", "country", "region", "locality", "founded_year", "website", "illustrative")
LIST_COLUMNS = ("issue_areas", "offers", "needs", "certifications", "identifiers")
CONTACT_COLUMNS = ("contact_name", "contact_role", "contact_email", "contact_phone")
# Columns an export writes that an import reads past, so that an export can be imported elsewhere.
EXPORT_ONLY_COLUMNS = ("id", "sector", "version", "updated_at")
MAX_ROWS = 100_000


class UnsupportedMediaType(ProblemError):
    status, title = 415, "Unsupported media type"


@dataclass
class ImportRecord:
    row: int
    payload: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    line: int | None = None


def decode_utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise ProblemError(
            f"the file is not UTF-8: byte 0x{body[exc.start]:02x} at offset {exc.start} (line {line}); "
            "save it as UTF-8 and send it again",
            errors=[{"field": "body", "message": f"not UTF-8 at byte offset {exc.start}", "line": line}],
        ) from exc


def media_format(content_type: str | None, explicit: str | None) -> str:
    if explicit:
        return explicit
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        return "csv"
    if kind in ("application/json", "") or kind.endswith("+json"):
        return "json"
    raise UnsupportedMediaType.for_header(
        "Content-Type", f"cannot import {kind}: send text/csv or application/json (or ?format=csv|json)",
        f"unsupported: {kind}")


def parse_json(text: str) -> list[ImportRecord]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(
            f"the body is not JSON: line {exc.lineno}, column {exc.colno}",
            errors=[{"field": "body", "message": "not valid JSON", "line": exc.lineno, "column": exc.colno}],
        ) from exc
    except RecursionError:
        raise ProblemError.for_field("body", NESTED_TOO_DEEPLY) from None
    if isinstance(document, dict) and isinstance(document.get("actors"), list):
        document = document["actors"]
    if not isinstance(document, list):
        raise ProblemError.for_field("body", 'expected a JSON array of actors (or {"actors": [...]})')
    _check_count(len(document))
    records = []
    for row, item in enumerate(document, start=1):
        if isinstance(item, dict):
            if item.get("deleted_at") is not None:  # a copy of a deleted record is not an actor to create
                records.append(ImportRecord(row, None, [{"row": row, "field": "deleted_at",
                                                         "message": "a deleted actor's record: leave it out"}]))
                continue
            records.append(ImportRecord(row, item))
        else:
            records.append(ImportRecord(row, None, [{"row": row, "field": "body", "message": "each actor must be a JSON object"}]))
    return records


def _check_count(count: int) -> None:
    if count == 0:
        raise ProblemError.for_field("body", "no rows to import")
    if count > MAX_ROWS:
        raise ProblemError.for_field("body", f"{count} rows; send at most {MAX_ROWS} per request")


def _column_key(raw: str) -> tuple[str, str | None]:
    """A header cell → (column, language) with the language tag canonical; FieldError if unknown."""
    name = raw.strip()
    lowered = name.lower()
    for prefix, column in (("name_", "names"), ("description_", "descriptions")):
        if lowered.startswith(prefix):
            return column, normalise_lang(name[len(prefix):], field=name)
    if lowered in SCALAR_COLUMNS or lowered in LIST_COLUMNS or lowered in CONTACT_COLUMNS:
        return lowered, None
    if lowered in EXPORT_ONLY_COLUMNS:
        return "ignored", lowered
    raise FieldError(name or "(empty)", "unknown column")


def parse_csv(text: str) -> list[ImportRecord]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[ImportRecord] = []
    try:
        header = next(reader, None)
        if header is None:
            raise ProblemError.for_field("body", "the CSV file is empty: it needs a header row")
        columns: list[tuple[str, str | None]] = []
        errors: list[dict[str, Any]] = []
        for index, cell in enumerate(header):
            try:
                key = _column_key(cell)
            except FieldError as error:
                errors.append({"field": error.field, "message": error.message, "line": 1, "column": index + 1})
                continue
            if key in columns and key[0] != "names":
                errors.append({"field": cell.strip(), "message": "column given twice", "line": 1, "column": index + 1})
            columns.append(key)
        if errors:
            raise ProblemError("the CSV header names columns this import does not know", errors=errors,
                               known=list(SCALAR_COLUMNS + LIST_COLUMNS + CONTACT_COLUMNS) + ["name_<lang>", "description_<lang>"])
        if not any(c == "names" for c, _ in columns):
            raise ProblemError.for_field("names", "the header has no name_<lang> column (e.g. name_en)")
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue  # blank lines are not rows
            row = len(records) + 1
            if len(records) >= MAX_ROWS:
                _check_count(MAX_ROWS + 1)
            if len(cells) != len(columns):
                records.append(ImportRecord(row, None, [{
                    "row": row, "line": reader.line_num, "field": "columns",
                    "message": f"has {len(cells)} cells, the header has {len(columns)}",
                }], reader.line_num))
                continue
            records.append(_csv_record(row, reader.line_num, columns, cells))
    except csv.Error as exc:
        # The csv module's own words stay on the server; in strict mode it fails on quoting.
        message = "malformed CSV: a quoted field is not closed, or text follows its closing quote"
        error: dict[str, Any] = {"field": "body", "line": reader.line_num, "message": message}
        if header is not None:  # in a data row: number it as the rows of the answer are (cells may span lines)
            error["row"] = len(records) + 1
        raise ProblemError(f"{message} (line {reader.line_num})", errors=[error]) from exc
    _check_count(len(records))
    return records


# OWASP "CSV Injection": a spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def neutralised(cell: Any) -> str:
    """The cell as a spreadsheet shows it without running it: a quote in front of a formula start,
    and in front of quotes already there before one (the import takes one quote away from such a
    cell, so `'+1` is written `''+1` and comes back as it was)."""
    text = "" if cell is None else str(cell)
    # a set look-up of the first character: this runs for every cell an actor's write keeps
    first = text[:1]
    if first == "'":
        first = text.lstrip("'")[:1]
    return "'" + text if first in _FORMULA_FIRST else text


def _unneutralised(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS) else cell


# A list cell's separator, and the escapes that keep ";" and a backslash inside an item (module docstring).
_SEPARATOR_OR_ESCAPE = re.compile(r"\\[\\;]|;")
_ESCAPED = re.compile(r"[\\;]")


def _split(value: str) -> list[str]:
    if "\\" not in value:  # no escape: every ";" separates (most cells; an import reads 100,000 rows)
        return [item for item in (part.strip() for part in value.split(";")) if item]
    parts, start = [], 0
    for found in _SEPARATOR_OR_ESCAPE.finditer(value):
        if found.group() == ";":
            parts.append(value[start:found.start()])
            start = found.end()
    parts.append(value[start:])
    return [item for item in (_unescaped(part).strip() for part in parts) if item]


def _unescaped(part: str) -> str:
    return _SEPARATOR_OR_ESCAPE.sub(lambda found: found.group()[1:], part) if "\\" in part else part


def list_cell(items: Iterable[str]) -> str:
    r"""Items joined as a list cell: each item's ";" and "\" escaped, so that `_split` gives them back."""
    return ";".join(_ESCAPED.sub(r"\\\g<0>", item) for item in items)


# A CSV cell is text: what a spreadsheet writes for a boolean, turned into one before validation
# (the JSON body takes only true or false).
CSV_FLAGS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _csv_record(row: int, line: int, columns: list[tuple[str, str | None]], cells: list[str]) -> ImportRecord:
    payload: dict[str, Any] = {"names": [], "descriptions": []}
    contact: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    for (column, lang), raw in zip(columns, cells, strict=True):
        value = _unneutralised(raw).strip()
        if not value:
            continue
        if column == "ignored":
            continue
        if column in ("names", "descriptions"):
            payload[column].append({"value": value, "lang": lang})
        elif column in CONTACT_COLUMNS:
            contact[column.removeprefix("contact_")] = value
        elif column == "issue_areas":
            payload[column] = _split(value)
        elif column in ("offers", "needs"):
            claims = []
            for part in _split(value):
                capability, _, detail = part.partition(":")
                claims.append({"capability": capability.strip(), "detail": detail.strip() or None})
            payload[column] = claims
        elif column == "certifications":
            certifications = []
            for index, part in enumerate(_split(value)):
                pieces = [p.strip() for p in part.split(":", 4)]
                if len(pieces) < 2:
                    errors.append({"row": row, "line": line, "field": f"certifications[{index}]",
                                   "message": "write scheme:level[:valid_from[:valid_to[:number]]]"})
                    continue
                certification: dict[str, Any] = {"scheme": pieces[0], "level": pieces[1]}
                for key, piece in zip(("valid_from", "valid_to", "number"), pieces[2:], strict=False):
                    if piece:
                        certification[key] = piece
                certifications.append(certification)
            payload[column] = certifications
        elif column == "identifiers":
            identifiers = []
            for index, part in enumerate(_split(value)):
                scheme, separator, number = part.partition(":")
                if not separator:
                    errors.append({"row": row, "line": line, "field": f"identifiers[{index}]",
                                   "message": "write SCHEME:value, e.g. KR-BRN:1234567890"})
                    continue
                identifiers.append({"scheme": scheme.strip(), "value": number.strip()})
            payload[column] = identifiers
        elif column == "illustrative":
            flag = CSV_FLAGS.get(value.lower())
            if flag is None:
                errors.append({"row": row, "line": line, "field": column, "message": "write true or false"})
                continue
            payload[column] = flag
        else:
            payload[column] = value
    if contact:
        payload["contacts"] = [contact]
    return ImportRecord(row, payload, errors, line)


def parse_upload(body: bytes, content_type: str | None, explicit_format: str | None) -> list[ImportRecord]:
    kind = media_format(content_type, explicit_format)
    text = decode_utf8(body)
    return parse_csv(text) if kind == "csv" else parse_json(text)


# --- writing ---------------------------------------------------------------------------------


# The columns every export has between the descriptions and the version, in the export's order.
_DETAIL_COLUMNS = ("kind", "sector", "country", "region", "locality", "founded_year", "website", "illustrative",
                   *LIST_COLUMNS)
# The detail cells of an actor whose `export_cells` lack them (written by an older process during
# an upgrade): empty, so that its line still has every column.
EMPTY_DETAILS = "," * (len(_DETAIL_COLUMNS) - 1)
# csv's default dialect (QUOTE_MINIMAL, quotes doubled) quotes a cell that holds one of these.
_QUOTED_FOR = re.compile('[,"\r\n]')


def name_columns(names: Iterable[dict[str, Any]]) -> dict[str, str]:
    """An actor's names by the CSV column that holds each: the first name in a language under the
    language's tag, the n-th (n ≥ 2) under `tag#n`, which the export writes as the n-th `name_<tag>`
    column. The keys are also the actor's `name_lang` facets, from which an export takes its columns."""
    columns: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for name in names:
        lang = name["lang"]
        seen[lang] += 1
        columns[lang if seen[lang] == 1 else f"{lang}#{seen[lang]}"] = name["value"]
    return columns


def name_column_place(key: str) -> tuple[str, int]:
    """A `name_columns` key as (language, n): "en#2" → ("en", 2), "en" → ("en", 1)."""
    lang, _, nth = key.partition("#")
    return lang, int(nth or 1)


def csv_header(name_langs: Iterable[str], description_langs: Iterable[str]) -> list[str]:
    """`name_langs` as `name_columns` keys them: "en#2" is a second name_en column."""
    return (
        ["id", "ref"]
        + [f"name_{name_column_place(key)[0]}" for key in name_langs]
        + [f"description_{lang}" for lang in description_langs]
        + list(_DETAIL_COLUMNS)
        + ["version", "updated_at"]
    )


def csv_cell(cell: Any, neutralise: Callable[[Any], str] = neutralised) -> str:
    """A cell as the export writes it: `neutralised`, then quoted as Python's csv writer quotes in
    its default dialect (a cell with a comma, a quote or a line break; its quotes doubled)."""
    text = neutralise(cell)
    return '"' + text.replace('"', '""') + '"' if _QUOTED_FOR.search(text) else text


def csv_line(cells: Iterable[Any]) -> str:
    return ",".join(map(csv_cell, cells)) + "\r\n"


def export_cells(values: dict[str, Any], join_list: Callable[[Iterable[str]], str] = list_cell,
                 neutralise: Callable[[Any], str] = neutralised) -> dict[str, Any]:
    """An actor's cells of the CSV export, written as the export writes them (`csv_cell`) and kept
    with the actor when it is written (its `export_cells`), so that an export joins them into lines
    in the database instead of taking every actor's lists apart and writing its cells again: `ref`;
    `names` as `name_columns` keys them, `descriptions` as {lang: its text}; `details`, the cells from
    kind to identifiers joined with commas, the lists as `list_cell` joins them in the forms the
    module's docstring gives (as an import reads them). The id, version and time come from their columns.
    `join_list` and `neutralise` are for the downgrades of migrations 0009 and 0013 only, which write the
    cells as the code before them did."""

    def cell(value: Any) -> str:
        return csv_cell(value, neutralise)

    def claim(item: dict[str, Any]) -> str:
        return f"{item['capability']}:{item['detail']}" if item.get("detail") else item["capability"]

    def certification(item: dict[str, Any]) -> str:
        pieces = [item["scheme"], item["level"], *(item.get(key) or "" for key in ("valid_from", "valid_to", "number"))]
        while not pieces[-1]:  # the colons of absent values at the end are left out
            pieces.pop()
        return ":".join(pieces)

    details = {
        **{column: values[column] for column in _DETAIL_COLUMNS},
        "illustrative": "true" if values["illustrative"] else "false",
        "issue_areas": join_list(values["issue_areas"]),
        "offers": join_list(map(claim, values["offers"])),
        "needs": join_list(map(claim, values["needs"])),
        "certifications": join_list(map(certification, values["certifications"])),
        "identifiers": join_list(f"{i['scheme']}:{i['value']}" for i in values["identifiers"]),
    }
    return {
        "ref": cell(values["ref"]),
        "names": {key: cell(value) for key, value in name_columns(values["names"]).items()},
        "descriptions": {text["lang"]: cell(text["value"]) for text in values["descriptions"]},  # one per language
        "details": ",".join(cell(details[column]) for column in _DETAIL_COLUMNS),
    }


def iter_chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
