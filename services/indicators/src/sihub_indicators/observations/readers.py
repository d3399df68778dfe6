"""File formats → rows of strings in one canonical order, a chunk at a time (memory stays flat).

- CSV: one observation per row, with a header (see `CSV_COLUMNS`).
- SDMX-ML (2.1 or 3.0, generic or structure-specific) and SDMX-CSV (2.0, or 1.0 with a DATAFLOW
  column) are read with sdmx1. sdmx1 builds a whole message in memory, so the file is cut into
  small messages first — for SDMX-ML the header and a batch of series or observations per
  message, for SDMX-CSV the header line and a batch of lines — and each is read in turn.
- A structure-specific SDMX-ML message cannot be read without its data structure (DSD), which
  agencies publish as a separate structure message: that message is read whole (it is bounded
  in size) and its DSD given to sdmx1 with every small data message.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, Any

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field
from structlog import get_logger

from sihub_indicators.geography import alpha_2
from sihub_indicators.observations.errors import MalformedFile, row_error
from sihub_indicators.periods import from_sdmx
from sihub_shared.errors import PayloadTooLarge, ProblemError

log = get_logger(__name__)

# The canonical order of a row's fields, after its row number.
FIELDS = (
    "indicator", "geography", "period", "value", "estimated", "provisional", "break_in_series",
    "source", "illustrative", "country",
)
_NOT_CSV = "not valid CSV (an unclosed quote, a stray quote or a field over 128 KiB)"
CSV_REQUIRED = ("indicator", "geography", "period", "value")
CSV_COLUMNS = {
    "indicator": "indicator code from the catalogue, e.g. relative_poverty_rate",
    "geography": "ISO 3166-1 alpha-2 country (KR) or ISO 3166-2 region (KR-26)",
    "period": "2023 (year), 2023-Q2 (quarter) or 2023-05 (month)",
    "value": "a number with a dot for decimals, within the indicator's bounds",
    "estimated": "optional flag: true/false, 1/0, yes/no (empty = false)",
    "provisional": "optional flag, as estimated",
    "break_in_series": "optional flag, as estimated",
    "source": "optional: the publication and year the figure comes from",
    "illustrative": "optional flag: true for made-up demonstration figures",
    "country": "optional: the geography must be this country or one of its regions",
}


@dataclass
class Chunk:
    rows: list[tuple] = field(default_factory=list)  # (row_number, *FIELDS) as strings
    errors: list[dict[str, Any]] = field(default_factory=list)  # errors found while reading
    skipped: int = 0  # observations left out on purpose (SDMX filters, missing values)


# --- CSV ------------------------------------------------------------------------------------


class CsvReader:
    def __init__(self, file: IO[bytes], chunk_rows: int) -> None:
        self.file = file
        self.chunk_rows = chunk_rows
        self.field_names = {name: name for name in FIELDS}

    def chunks(self) -> Iterator[Chunk]:
        text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        row = 0  # data rows read so far
        try:
            try:
                header = next(reader)
            except StopIteration:
                raise MalformedFile("the file is empty; the first line must name the columns") from None
            columns = [name.strip().lower() for name in header]
            unknown = [name for name in columns if name not in CSV_COLUMNS]
            if unknown:
                raise MalformedFile(
                    f"unknown column {unknown[0]!r}; the columns are {', '.join(CSV_COLUMNS)}",
                    field=unknown[0], line=1,
                )
            duplicated = sorted({name for name in columns if columns.count(name) > 1})
            if duplicated:
                raise MalformedFile(f"column {duplicated[0]!r} appears twice", field=duplicated[0], line=1)
            missing = [name for name in CSV_REQUIRED if name not in columns]
            if missing:
                raise MalformedFile(f"the required column {missing[0]!r} is missing", field=missing[0], line=1)
            width = len(columns)
            # Absent optional columns read an empty string appended to every row.
            pick = itemgetter(*(columns.index(name) if name in columns else width for name in FIELDS))
            chunk = Chunk()
            for record in reader:
                if len(record) != width and not any(value.strip() for value in record):
                    continue  # a blank line
                row += 1
                if len(record) != width:
                    chunk.errors.append(row_error(
                        row, "row", f"expected {width} fields as in the header, found {len(record)}",
                        line=reader.line_num))
                else:
                    record.append("")
                    chunk.rows.append((row, *pick(record)))
                if len(chunk.rows) + len(chunk.errors) >= self.chunk_rows:
                    yield chunk
                    chunk = Chunk()
            yield chunk
        except UnicodeDecodeError as exc:
            raise MalformedFile(f"not UTF-8 text (at byte {exc.start} of a block)") from None
        except csv.Error:
            raise MalformedFile(_NOT_CSV, row=row + 1, line=reader.line_num) from None
        finally:
            text.detach()


# --- SDMX -----------------------------------------------------------------------------------


class DimensionMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dimension: str = Field(min_length=1, max_length=100, description="The SDMX component's id")
    codes: dict[str, str] = Field(default_factory=dict, description="SDMX code → sihub code; others pass unchanged")


class SdmxMapping(BaseModel):
    """How SDMX observations become sihub observations."""

    model_config = ConfigDict(extra="forbid")

    indicator: DimensionMapping = DimensionMapping(dimension="INDICATOR")
    geography: DimensionMapping = DimensionMapping(dimension="REF_AREA")
    period: str = Field(default="TIME_PERIOD", description="Component holding the period")
    filters: dict[str, str] = Field(
        default_factory=dict, description="Keep only observations whose component has this code, e.g. {'SEX': '_T'}"
    )
    status_attribute: str = Field(default="OBS_STATUS", description="Attribute holding the observation status")
    estimated: list[str] = Field(default_factory=lambda: ["E"], description="Status codes meaning estimated")
    provisional: list[str] = Field(default_factory=lambda: ["P"], description="Status codes meaning provisional")
    break_in_series: list[str] = Field(default_factory=lambda: ["B"], description="Status codes meaning a break")
    missing: list[str] = Field(
        default_factory=lambda: ["M", "L", "O"], description="Status codes of observations without a value (skipped)"
    )
    country: str | None = Field(default=None, description="Every geography must be this country or its region")
    source: str | None = Field(default=None, max_length=500, description="Source recorded on every observation")


_IGNORED_SDMX_CSV = {"STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "SERIES_KEY", "OBS_KEY", "DATAFLOW"}
_ROW_ATTRIBUTE = "SIHUB_ROW"


class _SdmxRows:
    """Turns sdmx1 observations into canonical rows under a mapping."""

    def __init__(self, mapping: SdmxMapping, *, source: str | None, illustrative: bool) -> None:
        self.mapping = mapping
        self.source = mapping.source or source or ""
        self.illustrative = "1" if illustrative else ""
        self.field_names = {
            "indicator": mapping.indicator.dimension,
            "geography": mapping.geography.dimension,
            "period": mapping.period,
            "value": "OBS_VALUE",
            "estimated": mapping.status_attribute,
            "provisional": mapping.status_attribute,
            "break_in_series": mapping.status_attribute,
            "source": "source",
            "illustrative": "illustrative",
            "country": "country",
        }

    @staticmethod
    def _components(obs: Any, dataset: Any) -> dict[str, str]:
        found: dict[str, str] = {}
        for source in (
            getattr(dataset, "attrib", {}),
            getattr(obs.series_key, "attrib", {}) if obs.series_key is not None else {},
            obs.series_key.values if obs.series_key is not None else {},
            obs.attrib,
            obs.key.values if obs.key is not None else {},
        ):
            for key, value in source.items():
                value = getattr(value, "value", value)
                if isinstance(value, list):
                    value = value[0] if value else ""
                found[str(key)] = "" if value is None else str(getattr(value, "id", value))
        return found

    def add(self, chunk: Chunk, row: int, obs: Any, dataset: Any, action: str) -> None:
        mapping = self.mapping
        components = self._components(obs, dataset)
        for component, wanted in mapping.filters.items():
            if components.get(component) != wanted:
                chunk.skipped += 1
                return
        if action == "delete":
            chunk.errors.append(row_error(row, "ACTION", "deleting observations is not supported; send the new values"))
            return
        status = components.get(mapping.status_attribute, "")
        value = obs.value
        if value is None or (isinstance(value, str) and value.strip() in ("", "NaN")) or (
            isinstance(value, float) and math.isnan(value)
        ):
            if status in mapping.missing:
                chunk.skipped += 1
                return
            value = ""
        missing = [
            name for name in (mapping.indicator.dimension, mapping.geography.dimension, mapping.period)
            if not components.get(name)
        ]
        if missing:
            chunk.errors.append(row_error(row, missing[0], f"the observation has no {missing[0]}"))
            return
        indicator = components[mapping.indicator.dimension]
        geography = components[mapping.geography.dimension]
        chunk.rows.append((
            row,
            mapping.indicator.codes.get(indicator, indicator),
            alpha_2(mapping.geography.codes.get(geography, geography)),
            from_sdmx(components[mapping.period]),
            value if isinstance(value, str) else repr(float(value)),
            "1" if status in mapping.estimated else "",
            "1" if status in mapping.provisional else "",
            "1" if status in mapping.break_in_series else "",
            self.source,
            self.illustrative,
            mapping.country or "",
        ))


def _action(dataset: Any) -> str:
    action = getattr(dataset, "action", None)
    return getattr(action, "name", "") or ""


def _quiet(convert: Any, *args: Any, **kwargs: Any) -> Any:
    """sdmx1 prints a dump to stdout when it fails; keep the service's output clean."""
    with contextlib.redirect_stdout(io.StringIO()):
        return convert(*args, **kwargs)


def _xml_reader() -> Any:
    from sdmx.reader.xml import Reader

    # Both versions' parsers are loaded before any message is read: sdmx1 (2.28) adds the
    # namespace of each structure-specific 2.1 message it reads to the 2.1 format, and loading
    # the 3.0 parser after that fails (ValueError) for the rest of the process.
    import sdmx.reader.xml.v21
    import sdmx.reader.xml.v30  # noqa: F401

    return Reader()


STRUCTURE = "structure"  # the multipart part (and CLI option) holding the structure message
_SAFE_XML = {"resolve_entities": False, "no_network": True, "huge_tree": False, "remove_comments": True,
             "remove_pis": True}
# The id in an SDMX URN or namespace naming a data structure or dataflow, e.g.
# urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0)
_URN_ID = re.compile(r"\.(?:DataStructure|Dataflow)=[^:]+:([^(]+)\(")


def read_structures(file: IO[bytes], max_bytes: int) -> dict[str, Any]:
    """The data structures (DSDs) of an SDMX-ML structure message, by their id and by the id of
    each dataflow that uses one. sdmx1 needs a structure message whole, so its size is bounded."""
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge.for_field(STRUCTURE, f"the structure message is over {max_bytes} bytes")
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(**_SAFE_XML))
    except etree.XMLSyntaxError as exc:
        raise MalformedFile("not well-formed XML", field=STRUCTURE, line=exc.lineno) from None
    name = etree.QName(root).localname
    if name != "Structure":
        raise MalformedFile(f"<{name}> is not an SDMX structure message", field=STRUCTURE)
    try:
        # Serialised again without any DOCTYPE: nothing the caller declared reaches sdmx1's parser.
        message = _quiet(_xml_reader().convert, io.BytesIO(etree.tostring(root)))
    except Exception:  # noqa: BLE001 - sdmx1 raises many kinds; all mean "malformed"
        log.info("sdmx structure message unreadable", exc_info=True)
        raise MalformedFile("not a valid SDMX-ML structure message", field=STRUCTURE) from None
    structures = {dsd.id: dsd for dsd in getattr(message, "structure", {}).values()}
    if not structures:
        raise MalformedFile("the structure message holds no data structure (DSD)", field=STRUCTURE)
    for flow in getattr(message, "dataflow", {}).values():
        if flow.structure is not None and flow.structure.id in structures:
            structures.setdefault(flow.id, structures[flow.structure.id])
    return structures


def _structure_for(header: Any, structures: dict[str, Any]) -> Any:
    """The DSD a data message's header names (by a DSD or dataflow reference), or the only one."""
    distinct = list({id(dsd): dsd for dsd in structures.values()}.values())
    if len(distinct) == 1:
        return distinct[0]
    named: list[str] = []
    for element in header.iter() if header is not None else ():
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).localname == "Ref" and element.get("id"):
            named.append(element.get("id"))
        for text in (element.get("namespace"), element.text):
            named += _URN_ID.findall(text or "")
    for name in named:
        if name in structures:
            return structures[name]
    raise MalformedFile(
        f"the structure message holds {len(distinct)} data structures "
        f"({', '.join(sorted(dsd.id for dsd in distinct))}) and the data names none of them"
        + (f" (it names {', '.join(dict.fromkeys(named))})" if named else ""), field=STRUCTURE)


class SdmxMlReader:
    def __init__(self, file: IO[bytes], chunk_rows: int, mapping: SdmxMapping, *, source: str | None,
                 illustrative: bool, structure: IO[bytes] | None = None,
                 max_structure_bytes: int = 0) -> None:
        self.file = file
        self.chunk_rows = chunk_rows
        self.rows = _SdmxRows(mapping, source=source, illustrative=illustrative)
        self.field_names = self.rows.field_names
        self.structure = structure
        self.max_structure_bytes = max_structure_bytes

    def _documents(self) -> Iterator[tuple[bytes, int, Any]]:
        """Small SDMX-ML messages (root, header, one data set, a batch of its children), with
        the number of observations that came before each, and the header."""
        events = etree.iterparse(self.file, events=("start", "end"), **_SAFE_XML)
        depth, seen, batched = 0, 0, 0
        root: Any = None
        header: Any = None
        dataset: Any = None
        children: list[Any] = []

        def document() -> bytes:
            message = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
            if header is not None:
                message.append(copy.deepcopy(header))
            data = etree.SubElement(message, dataset.tag, attrib=dict(dataset.attrib), nsmap=dataset.nsmap)
            data.extend(children)
            return etree.tostring(message)

        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    name = etree.QName(element).localname
                    if not name.endswith("Data"):
                        raise MalformedFile(
                            f"<{name}> is not an SDMX data message (GenericData or StructureSpecificData)")
                    if name.startswith("StructureSpecific") and self.structure is None:
                        raise ProblemError.for_field(STRUCTURE, (
                            f"<{name}> is read with its data structure (DSD): send the agency's structure "
                            f"message as the multipart part '{STRUCTURE}' (command line: --structure FILE); "
                            "nothing was written"))
                elif depth == 2 and etree.QName(element).localname == "DataSet":
                    dataset, children, batched = element, [], 0
                continue
            if depth == 2:
                name = etree.QName(element).localname
                if name == "Header":
                    header = copy.deepcopy(element)
                elif name == "DataSet":
                    if children:
                        yield document(), seen - batched, header
                    dataset, children, batched = None, [], 0
                element.clear()
                root.remove(element)
            elif depth == 3 and dataset is not None:
                name = etree.QName(element).localname
                observations = 1 if name == "Obs" else sum(
                    1 for child in element if etree.QName(child).localname == "Obs")
                children.append(copy.deepcopy(element))
                seen += observations
                batched += observations
                element.clear()
                dataset.remove(element)
                if batched >= self.chunk_rows:
                    yield document(), seen - batched, header
                    children, batched = [], 0
            depth -= 1
        if root is None:
            raise MalformedFile("the file is empty")

    def chunks(self) -> Iterator[Chunk]:
        structures = read_structures(self.structure, self.max_structure_bytes) if self.structure else None
        documents = self._documents()
        dsd = None
        while True:
            try:
                item = next(documents, None)
            except etree.XMLSyntaxError as exc:
                raise MalformedFile("not well-formed XML", line=exc.lineno) from None
            if item is None:
                return
            document, before, header = item
            if structures is not None and dsd is None:
                dsd = _structure_for(header, structures)
            try:
                message = _quiet(_xml_reader().convert, io.BytesIO(document), structure=dsd)
            except Exception:  # noqa: BLE001 - sdmx1 raises many kinds; all mean "malformed"
                log.info("sdmx data message unreadable", observation=before + 1, exc_info=True)
                raise MalformedFile(
                    f"not a valid SDMX-ML data message near observation {before + 1}"
                    + (f" for the data structure {dsd.id} of the structure message" if dsd is not None else "")
                ) from None
            chunk = Chunk()
            row = before
            for dataset in getattr(message, "data", []):
                action = _action(dataset)
                for obs in dataset.obs:
                    row += 1
                    self.rows.add(chunk, row, obs, dataset, action)
            yield chunk


class SdmxCsvReader:
    def __init__(self, file: IO[bytes], chunk_rows: int, mapping: SdmxMapping, *, source: str | None,
                 illustrative: bool) -> None:
        self.file = file
        self.chunk_rows = chunk_rows
        self.mapping = mapping
        self.rows = _SdmxRows(mapping, source=source, illustrative=illustrative)
        self.field_names = self.rows.field_names

    def _structure(self, header: list[str]) -> Any:
        """A data structure built from the header: the mapped components (and filters) are
        dimensions, OBS_VALUE the measure, every other column an attribute."""
        from sdmx.model import v30

        ids = [name.split(":", 1)[0].strip() for name in header]
        if _ROW_ATTRIBUTE in ids:  # the reader's own column carrying each row's number
            raise MalformedFile(f"the column {_ROW_ATTRIBUTE!r} is reserved; rename it", field=_ROW_ATTRIBUTE, line=1)
        repeated = sorted({name for name in ids if ids.count(name) > 1})
        if repeated:  # sdmx1 would keep one of the values and drop the other without a word
            raise MalformedFile(f"column {repeated[0]!r} appears twice", field=repeated[0], line=1)
        dimensions = [self.mapping.indicator.dimension, self.mapping.geography.dimension, self.mapping.period]
        dimensions += [name for name in self.mapping.filters if name not in dimensions]
        for name in dimensions:
            if name not in ids:
                raise MalformedFile(f"the SDMX-CSV header has no column {name!r}", field=name, line=1)
        if "OBS_VALUE" not in ids:
            raise MalformedFile("the SDMX-CSV header has no OBS_VALUE column", field="OBS_VALUE", line=1)
        structure = v30.DataStructureDefinition(id="SIHUB_INGEST")
        for name in dimensions:
            structure.dimensions.getdefault(name)
        structure.measures.getdefault("OBS_VALUE")
        for name in ids:
            if name not in dimensions and name not in _IGNORED_SDMX_CSV and name != "OBS_VALUE":
                structure.attributes.getdefault(name)
        structure.attributes.getdefault(_ROW_ATTRIBUTE)
        return structure

    def chunks(self) -> Iterator[Chunk]:
        from sdmx.reader.csv import Reader as CsvSdmxReader

        text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        row = 0  # data rows read so far
        try:
            try:
                header = next(reader)
            except StopIteration:
                raise MalformedFile("the file is empty") from None
            version_1 = bool(header) and header[0] == "DATAFLOW"
            width = len(header)  # the fields of each line of the file (records are checked before widening)
            if version_1:  # SDMX-CSV 1.0: one DATAFLOW column where 2.0 has STRUCTURE and STRUCTURE_ID
                header = ["STRUCTURE", "STRUCTURE_ID", *header[1:]]
            elif not header or not header[0].startswith("STRUCTURE"):
                raise MalformedFile(
                    f"{(header or [''])[0]!r} starts the header; SDMX-CSV starts with STRUCTURE (2.0) "
                    "or DATAFLOW (1.0)", field=(header or ['file'])[0] or "file", line=1)
            # sdmx1 takes the column after STRUCTURE_ID (and STRUCTURE_NAME) as the action whatever
            # it is; 1.0 has no ACTION and 2.0 may leave it out, which means "I" (information).
            action_at = 3 if len(header) > 2 and header[2] == "STRUCTURE_NAME" else 2
            add_action = len(header) <= action_at or header[action_at] != "ACTION"
            if add_action and "ACTION" in header:  # elsewhere, sdmx1 would read another column as it
                raise MalformedFile("the ACTION column must follow STRUCTURE_ID (or STRUCTURE_NAME)",
                                    field="ACTION", line=1)
            if add_action:
                header.insert(action_at, "ACTION")
            structure = self._structure(header)
            batch: list[list[str]] = []
            rows: list[int] = []

            def read_batch() -> Chunk:
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\n")
                writer.writerow([*header, _ROW_ATTRIBUTE])
                writer.writerows(batch)
                try:
                    message = _quiet(CsvSdmxReader().convert, io.BytesIO(buffer.getvalue().encode()),
                                     structure=structure)
                except Exception:  # noqa: BLE001 - sdmx1's failures all mean "malformed"
                    log.info("sdmx-csv unreadable", rows=(rows[0], rows[-1]), exc_info=True)
                    raise MalformedFile(f"not valid SDMX-CSV between rows {rows[0]} and {rows[-1]}") from None
                chunk = Chunk()
                for dataset in message.data:
                    action = _action(dataset)
                    for obs in dataset.obs:
                        row = int(obs.attrib[_ROW_ATTRIBUTE].value)
                        self.rows.add(chunk, row, obs, dataset, action)
                return chunk

            errors: list[dict[str, Any]] = []
            for record in reader:
                if len(record) != width and not any(value.strip() for value in record):
                    continue
                row += 1
                if len(record) != width:
                    errors.append(row_error(row, "row", f"expected {width} fields, found {len(record)}",
                                            line=reader.line_num))
                    continue
                if version_1:
                    record = ["dataflow", *record]
                if add_action:
                    record.insert(action_at, "I")
                batch.append([*record, str(row)])
                rows.append(row)
                if len(batch) >= self.chunk_rows:
                    chunk = read_batch()
                    chunk.errors[:0], errors = errors, []
                    yield chunk
                    batch, rows = [], []
            chunk = read_batch() if batch else Chunk()
            chunk.errors[:0] = errors
            yield chunk
        except UnicodeDecodeError as exc:
            raise MalformedFile("not UTF-8 text") from None
        except csv.Error:
            raise MalformedFile(_NOT_CSV, row=row + 1, line=reader.line_num) from None
        finally:
            text.detach()
