"""From a validated `ActorCreate` to what is stored: column values, search terms and facets,
with every rule that needs reference data checked on the way (field by field)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sihub_registry.actors.formats import export_cells, name_columns
from sihub_registry.actors.schemas import ActorCreate, ActorState
from sihub_registry.common.rules import (
    Problems,
    check_certifications,
    check_claims,
    check_contacts,
    check_names,
    check_place,
    check_texts,
    check_unique,
    normalise_identifiers,
)
from sihub_registry.common.search import index_terms
from sihub_registry.taxonomy.terms import SECTOR_BY_KIND

if TYPE_CHECKING:
    from sihub_registry.actors.repository import RefHolder

@dataclass
class PreparedActor:
    values: dict[str, Any]  # column values (lists as JSON-ready dicts)
    terms: list[str]
    facets: set[tuple[str, str]]
    state: dict[str, Any]  # the same, as the validated models `ActorState` holds

    def actor_state(self, **stamps: Any) -> ActorState:
        """The event state without validating again what `ActorCreate` has just validated."""
        return ActorState.model_construct(**self.state, **stamps)


def prepare_actor(data: ActorCreate, problems: Problems) -> PreparedActor | None:
    """The stored form of `data`, or None with the reasons added to `problems`."""
    check_names(problems, data.names)
    check_texts(problems, data.descriptions, "descriptions")
    check_place(problems, data.country, data.region)
    check_unique(problems, (a.value for a in data.issue_areas), "issue_areas")
    check_claims(problems, data.offers, "offers")
    check_claims(problems, data.needs, "needs")
    identifiers = normalise_identifiers(problems, data.identifiers)
    check_certifications(problems, data.certifications, data.country)
    check_contacts(problems, data.contacts)
    if data.founded_year is not None and data.founded_year > datetime.now(UTC).year:
        problems.add("founded_year", "is in the future")
    if problems:
        return None
    values = {
        "ref": data.ref,
        "kind": data.kind.value,
        "sector": SECTOR_BY_KIND[data.kind].value,
        "country": data.country,
        "region": data.region,
        "locality": data.locality,
        "founded_year": data.founded_year,
        "website": data.website,
        "illustrative": data.illustrative,
        "names": [n.model_dump() for n in data.names],
        "descriptions": [d.model_dump() for d in data.descriptions],
        "issue_areas": [a.value for a in data.issue_areas],
        "offers": [c.model_dump(mode="json") for c in data.offers],
        "needs": [c.model_dump(mode="json") for c in data.needs],
        "certifications": [c.model_dump(mode="json") for c in data.certifications],
        "identifiers": [i.model_dump() for i in identifiers],
        "contacts": [c.model_dump(exclude_none=True) for c in data.contacts],
    }
    values["export_cells"] = export_cells(values)
    facets = {("issue_area", a) for a in values["issue_areas"]}
    facets |= {("name_lang", key) for key in name_columns(values["names"])}
    facets |= {("description_lang", d["lang"]) for d in values["descriptions"]}
    facets |= {("offer", c["capability"]) for c in values["offers"]}
    facets |= {("need", c["capability"]) for c in values["needs"]}
    facets |= {("certification", c["scheme"]) for c in values["certifications"]}
    facets |= {("certification", f"{c['scheme']}:{c['level']}") for c in values["certifications"]}
    facets |= {("identifier", f"{i['scheme']}:{i['value']}") for i in values["identifiers"]}
    state = {
        "ref": data.ref, "kind": data.kind, "sector": SECTOR_BY_KIND[data.kind], "country": data.country,
        "region": data.region, "locality": data.locality, "founded_year": data.founded_year,
        "website": data.website, "illustrative": data.illustrative, "names": data.names,
        "descriptions": data.descriptions, "issue_areas": data.issue_areas, "offers": data.offers,
        "needs": data.needs, "certifications": data.certifications, "identifiers": identifiers,
    }
    return PreparedActor(values, index_terms(n.value for n in data.names), facets, state)


EDITABLE = (
    "ref", "kind", "country", "region", "locality", "founded_year", "website", "illustrative",
    "names", "descriptions", "issue_areas", "offers", "needs", "certifications", "identifiers",
    "contacts",
)  # fmt: skip


def editable_state(actor: Any) -> dict[str, Any]:
    """The stored actor as an `ActorCreate` payload, so that an update can be re-validated whole."""
    return {name: getattr(actor, name) for name in EDITABLE}


def ref_holder_message(holder: RefHolder) -> str:
    """What a row or a body naming a ref an actor holds is told."""
    if holder.deleted:  # kept by the deleted actor, so that a ref never names two actors over time
        return f"names actor {holder.actor_id}, deleted: a deleted actor keeps its ref; choose another"
    return f"already names actor {holder.actor_id}"
