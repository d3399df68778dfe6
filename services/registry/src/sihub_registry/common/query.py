"""Query pieces every listing shares: keyset order and a `ref` prefix filter."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def keyset(query: Any, model: Any, mode: str, position: dict[str, Any] | None) -> Any:
    """Order by id (creation order: ids are UUIDv7), or by (updated_at, id) for a sync,
    continuing after `position`."""
    if mode == "modified":
        if position is not None:
            query = query.where(
                sa.tuple_(model.updated_at, model.id)
                > sa.tuple_(sa.literal(position["at"], model.updated_at.type), sa.literal(position["id"], model.id.type))
            )
        return query.order_by(model.updated_at, model.id)
    if position is not None:
        query = query.where(model.id > position["id"])
    return query.order_by(model.id)


def ref_prefix_filter(column: Any, prefix: str) -> sa.ColumnElement[bool]:
    # Compared as characters, not with LIKE: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    return sa.func.substr(column, 1, len(prefix)) == prefix
