"""Who may write what. Reading is open to every authenticated caller; writing needs a role
that writes (integrators read only) and, for an existing record, being its owner or an admin."""

from __future__ import annotations

from sihub_shared.errors import Forbidden
from sihub_shared.identity import KEY_HEADER, Identity, Role

WRITER_ROLES = (Role.partner, Role.hub_operator)


def ensure_writer(identity: Identity) -> None:
    if not identity.has_any(*WRITER_ROLES):
        raise Forbidden.for_header(KEY_HEADER, "this key reads only: writing needs the partner, hub_operator or admin role",
                                   "read-only key")


def ensure_owner(identity: Identity, owner_account_id: str, what: str) -> None:
    ensure_writer(identity)
    if not identity.is_admin and identity.account_id != owner_account_id:
        raise Forbidden(
            f"only the account that owns {what} (or an admin) may change it",
            errors=[{"field": "owner_account_id", "message": "not the owner"}],
        )


def sees_private(identity: Identity, owner_account_id: str) -> bool:
    return identity.is_admin or identity.account_id == owner_account_id
