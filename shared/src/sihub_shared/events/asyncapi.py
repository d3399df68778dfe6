"""The AsyncAPI 3.0 document, generated from the event catalogue (the code is the contract)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter

from sihub_shared.events.contracts import EventContract, stream_name
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.strict import hoist_components


def asyncapi_document(
    contracts: Iterable[type[EventContract]], *, title: str, version: str, nats_url: str
) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    envelope = TypeAdapter(CloudEvent).json_schema(ref_template="#/components/schemas/{model}")
    envelope.pop("$defs", None)
    schemas["CloudEvent"] = envelope
    for contract in sorted(contracts, key=lambda c: c.event_type):
        name = contract.__name__ + (f"V{contract.version}" if contract.version > 1 else "")
        data_schema = contract.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(data_schema.pop("$defs", {}))
        schemas[name] = data_schema
        messages[name] = {
            "name": contract.event_type,
            "title": name,
            "summary": (contract.__doc__ or "").strip().split("\n")[0],
            "contentType": "application/cloudevents+json",
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": contract.event_type},
                            "data": {"$ref": f"#/components/schemas/{name}"},
                        },
                    },
                ]
            },
        }
        channel_id = contract.subject.replace(".", "_")
        channels[channel_id] = {
            "address": contract.subject,
            "description": f"JetStream stream {stream_name(contract.service)}. Published only by the NATS user "
            f"`{contract.service}`; read through durable pull consumers by the services and by integrator users.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{contract.service} publishes {contract.event_type}",
        }
    return hoist_components({
        "asyncapi": "3.0.0",
        "info": {
            "title": title,
            "version": version,
            "description": "sihub events: CloudEvents 1.0 (structured JSON) on NATS JetStream. "
            "Each message carries Nats-Msg-Id = the event id; consumers deduplicate by it.",
        },
        "servers": {
            "nats": {
                "host": nats_url.split("://", 1)[-1],
                "protocol": "nats",
                "security": [{"$ref": "#/components/securitySchemes/natsUser"}],
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas, "securitySchemes": NATS_SECURITY},
    })


# The production shape (deploy/k8s/nats-accounts.conf); the embedded `make run` server is open.
NATS_SECURITY = {
    "natsUser": {
        "type": "userPassword",
        "description": "One NATS user per party. A service's user publishes only `sihub.<service>.>` and "
        "manages its own stream; an integrator's user only reads: stream info, single messages and its own "
        "durable consumer (named after the user), replies on `_INBOX.<user>.>`; it can publish no event.",
    }
}
