"""Events the gateway publishes (stream SIHUB_GATEWAY). Keys appear by prefix only, never the secret."""

from __future__ import annotations

from sihub_gateway.accounts.schemas import AccountPublic, ApiKeyPublic
from sihub_shared.events.contracts import EventContract


class AccountCreated(EventContract, service="gateway", entity="account", verb="created", version=1):
    """An organisation got an account with roles."""

    account: AccountPublic


class ApiKeyIssued(EventContract, service="gateway", entity="api_key", verb="issued", version=1):
    """An API key was issued to an account."""

    api_key: ApiKeyPublic


class ApiKeyRevoked(EventContract, service="gateway", entity="api_key", verb="revoked", version=1):
    """An API key was revoked and no longer authenticates."""

    api_key: ApiKeyPublic


class WebhookDisabled(EventContract, service="gateway", entity="webhook", verb="disabled", version=1):
    """A webhook subscription was disabled: one of its deliveries failed every retry. Its owner
    resumes it (and may redeliver what failed) once the receiver works again."""

    webhook_id: str
    account_id: str
    reason: str
    failed_delivery_id: str
    event_id: str
