"""Event contracts: versioned pydantic models named in the past tense, and their catalogue.

    class ActorCreated(EventContract, service="registry", entity="actor", verb="created", version=1):
        actor: ActorPublic

gives type `org.sihub.registry.actor.created.v1` on subject `sihub.registry.actor.created`.
The catalogue is what the AsyncAPI document is generated from.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CATALOGUE: dict[str, type[EventContract]] = {}


class EventContract(BaseModel):
    model_config = ConfigDict(frozen=True)

    service: ClassVar[str]
    entity: ClassVar[str]
    verb: ClassVar[str]
    version: ClassVar[int]
    event_type: ClassVar[str]
    subject: ClassVar[str]

    def __init_subclass__(
        cls, *, service: str, entity: str, verb: str, version: int, **kwargs: object
    ) -> None:
        super().__init_subclass__(**kwargs)
        for part in (service, entity, verb):
            if not _NAME.match(part):
                raise ValueError(f"{cls.__name__}: {part!r} is not a lower_snake name")
        if not verb.endswith(("ed", "en")):  # created, changed, written, taken
            raise ValueError(f"{cls.__name__}: events are facts, name the verb in the past tense")
        cls.service, cls.entity, cls.verb, cls.version = service, entity, verb, version
        cls.event_type = f"org.sihub.{service}.{entity}.{verb}.v{version}"
        cls.subject = f"sihub.{service}.{entity}.{verb}"
        if CATALOGUE.get(cls.event_type, cls) is not cls:
            raise ValueError(f"{cls.event_type} is declared twice")
        CATALOGUE[cls.event_type] = cls


def stream_name(service: str) -> str:
    return f"SIHUB_{service.upper()}"


def contracts_of(service: str) -> list[type[EventContract]]:
    return [c for c in CATALOGUE.values() if c.service == service]
