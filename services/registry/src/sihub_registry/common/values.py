"""Value objects that several registry resources share: capabilities with a detail,
certifications, identifiers, contacts, and the localized texts from `names`.

These models check shape only (types, lengths, taxonomy codes). Rules that need more than one
field or reference data (an identifier's format, a region under its country, a certification
scheme's country) are checked by `common.rules`, which names the offending field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from sihub_registry.names import LocalizedText, Name
from sihub_registry.taxonomy.terms import Capability

__all__ = [
    "CapabilityClaim",
    "Certification",
    "Contact",
    "IdentifierValue",
    "LocalizedText",
    "Name",
    "Ref",
    "ShortText",
]

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Detail = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
# A stable reference chosen by the client that registers a record ("demo:toyota-foundation"),
# unique per resource type: lets an import or a loader find what it created before.
Ref = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^\S+$")
]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CapabilityClaim(_Value):
    """Something an actor offers or needs, from the one capability taxonomy."""

    capability: Capability
    detail: Detail | None = None


class Certification(_Value):
    """A certification by a scheme of the taxonomy, at one of the scheme's levels."""

    scheme: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    level: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    valid_from: date | None = None
    valid_to: date | None = None
    number: ShortText | None = Field(default=None, description="certificate number, if any")


class IdentifierValue(_Value):
    """An organisation identifier in an org-id.guide scheme (KR-BRN, JP-JCN, CN-USCI, ...)."""

    scheme: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


class Contact(_Value):
    """A way to reach the organisation; seen only by the actor's owner and admins."""

    name: ShortText | None = None
    role: ShortText | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40)] | None = None
