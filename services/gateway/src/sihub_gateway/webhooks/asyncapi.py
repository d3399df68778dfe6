"""The webhook delivery in the gateway's AsyncAPI document: the same CloudEvents, POSTed to each
subscriber's URL with the Standard Webhooks headers, and the retry rule."""

from __future__ import annotations

from typing import Any

from sihub_gateway.settings import GatewaySettings


def with_webhook_delivery(document: dict[str, Any], settings: GatewaySettings) -> dict[str, Any]:
    retries = (
        f"At least once: anything but a 2xx within {settings.webhook_timeout_s:g} s (redirects are not followed) "
        f"is retried after about {settings.webhook_retry_base_s:g} s·2^(n-1), capped at "
        f"{settings.webhook_retry_max_s:g} s and scaled by a random 50-100 % (jitter), up to "
        f"{settings.webhook_max_attempts} attempts; then the delivery is listed as failed (redeliverable) and the "
        "subscription disabled (org.sihub.gateway.webhook.disabled.v1). Per subscription, the events of each stream "
        "arrive in publication order; `webhook-id` repeats on a redelivery, so receivers drop duplicates by it."
    )
    components = document["components"]
    components["schemas"]["WebhookHeaders"] = {
        "type": "object",
        "required": ["webhook-id", "webhook-timestamp", "webhook-signature"],
        "properties": {
            "webhook-id": {"type": "string", "description": "the event id (CloudEvent `id`)"},
            "webhook-timestamp": {"type": "string", "pattern": "^[0-9]+$",
                                  "description": "Unix seconds when this attempt was signed"},
            "webhook-signature": {
                "type": "string",
                "description": "space-separated `v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}` "
                "with the subscription's whsec_ secret (two during a rotation's grace period)",
            },
            "content-type": {"const": "application/cloudevents+json"},
        },
    }
    components["messages"]["WebhookDelivery"] = {
        "name": "webhook delivery",
        "title": "WebhookDelivery",
        "summary": "One event POSTed to a subscriber (Standard Webhooks)",
        "contentType": "application/cloudevents+json",
        "headers": {"$ref": "#/components/schemas/WebhookHeaders"},
        "payload": {"$ref": "#/components/schemas/CloudEvent",
                    "description": "the CloudEvent exactly as published on NATS (any of the messages above)"},
    }
    components.setdefault("securitySchemes", {})["webhookSignature"] = {
        "type": "symmetricEncryption",
        "description": "Standard Webhooks HMAC-SHA256 signature with the subscription's secret (webhook-signature)",
    }
    document["servers"]["webhooks"] = {
        "host": "{receiver}",
        "protocol": "https",
        "description": "each subscriber's own URL (POST /api/v1/gateway/webhooks); public https only in production",
        "variables": {"receiver": {"description": "the subscription's URL host"}},
        "security": [{"$ref": "#/components/securitySchemes/webhookSignature"}],
    }
    document["channels"]["webhook"] = {
        "address": None,
        "servers": [{"$ref": "#/servers/webhooks"}],
        "description": "the subscription's URL",
        "messages": {"WebhookDelivery": {"$ref": "#/components/messages/WebhookDelivery"}},
    }
    document["operations"]["deliverWebhook"] = {
        "action": "send",
        "channel": {"$ref": "#/channels/webhook"},
        "summary": "The gateway POSTs each matching event to the subscription's URL",
        "description": retries,
        "bindings": {"http": {"method": "POST"}},
    }
    return document
