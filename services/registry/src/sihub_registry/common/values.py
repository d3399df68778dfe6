"""Value objects that several registry resources share: capabilities with a detail,
certifications, identifiers, contacts, and the localized texts from `names`.

These models check shape only (types, lengths, taxonomy codes). Rules that need more than one
field or reference data (an identifier's format, a region under its country, a certification
scheme's country) are checked by `common.rules`, which names the offending field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sihub_registry.identifiers import MAX_VALUE_LENGTH, SCHEME_PATTERN, VALUE_PATTERN
from sihub_registry.names import LocalizedText, Name
from sihub_registry.taxonomy.terms import CERTIFICATION_SCHEMES, Capability
from sihub_shared.strict import STRICT, FilledLine, FilledText, Line

__all__ = [
    "CapabilityClaim",
    "Certification",
    "Contact",
    "IdentifierValue",
    "LocalizedText",
    "Name",
    "RecordRef",
    "Ref",
    "ShortText",
]

ShortText = Annotated[FilledLine, StringConstraints(max_length=200)]
Detail = Annotated[FilledText, StringConstraints(max_length=1000)]
# A stable reference chosen by the client that registers a record ("demo:toyota-foundation"),
# unique per resource type: lets an import or a loader find what it created before.
Ref = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\s\x00-\x1f\x7f]+$")
]

# An id a body names (an actor, a hub, a programme): whether it exists is the service's check.
RecordRef = Annotated[Line, StringConstraints(min_length=1, max_length=64)]


class _Value(BaseModel):
    model_config = ConfigDict(**STRICT, frozen=True)


class CapabilityClaim(_Value):
    """Something an actor offers or needs, from the one capability taxonomy."""

    capability: Capability
    detail: Detail | None = None


class Certification(_Value):
    """A certification by a scheme of the taxonomy, at one of the scheme's levels."""

    scheme: Annotated[Line, StringConstraints(min_length=1, max_length=60)] = Field(
        json_schema_extra={"enum": sorted(CERTIFICATION_SCHEMES)}, description="a scheme of the taxonomy")
    level: Annotated[Line, StringConstraints(min_length=1, max_length=60)]
    valid_from: date | None = None
    valid_to: date | None = None
    number: ShortText | None = Field(default=None, description="certificate number, if any")


class IdentifierValue(_Value):
    """An organisation identifier in an org-id.guide scheme (KR-BRN, JP-JCN, CN-USCI, ...)."""

    scheme: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=SCHEME_PATTERN)] = Field(
        description="an org-id.guide scheme code (XX-NAME); KR-BRN, JP-JCN, CN-USCI, SG-ACRA and TH-TIN are checked")
    value: Annotated[FilledLine, StringConstraints(max_length=MAX_VALUE_LENGTH, pattern=VALUE_PATTERN)]


# Checked in the schema (so the OpenAPI says it): something@domain.tld, no space or control character.
_EMAIL = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"


class Contact(_Value):
    """A way to reach the organisation; seen only by the actor's owner and admins."""

    # An email or a phone number (or both), as the schema says it.
    model_config = ConfigDict(**STRICT, frozen=True, json_schema_extra={"anyOf": [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("email", "phone")]})

    name: ShortText | None = None
    role: ShortText | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=_EMAIL)] | None = None
    phone: Annotated[FilledLine, StringConstraints(min_length=3, max_length=40)] | None = None
