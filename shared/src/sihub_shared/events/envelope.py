"""CloudEvents 1.0, structured JSON mode: the envelope every sihub event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, PrivateAttr

from sihub_shared.events.contracts import EventContract

C = TypeVar("C", bound=EventContract)


class CloudEvent(BaseModel):
    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    # Where a consumer read it: the stream sequence (per-stream order for those who keep it, such as
    # the gateway's webhook queue). Not part of the envelope.
    _sequence: int | None = PrivateAttr(default=None)

    @property
    def sequence(self) -> int | None:
        return self._sequence

    @classmethod
    def wrap(cls, contract: EventContract, *, subject: str | None = None) -> CloudEvent:
        return cls(
            source=f"/sihub/{contract.service}",
            type=contract.event_type,
            subject=subject,
            data=contract.model_dump(mode="json"),
        )

    def unwrap(self, contract: type[C]) -> C:
        if self.type != contract.event_type:
            raise ValueError(f"event {self.id} is {self.type}, not {contract.event_type}")
        return contract.model_validate(self.data)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()
