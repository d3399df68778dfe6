"""A registry-like service for bench_gateway.py: a real `create_service_app` app on SQLite.

    uvicorn --app-dir bench --factory _bench_service:create_app   (settings from SIHUB_* variables)

`GET /api/v1/bench/actors?limit=20` answers a page of actors read from SQLite, behind the same
identity check, middleware and session dependency as every sihub service. The table is created
and filled with ACTORS rows at start-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Query
from sqlmodel import Field, SQLModel, func, select

from sihub_shared.app import create_service_app
from sihub_shared.db import Session
from sihub_shared.pagination import Page, encode_cursor
from sihub_shared.settings import ServiceSettings

ACTORS = 200
COUNTRIES = ("JP", "KR", "TW", "TH", "VN", "ID", "PH", "MY", "SG", "IN")


class BenchActorBase(SQLModel):
    name: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    country: str = Field(max_length=2)
    website: str | None = Field(default=None, max_length=300)


class BenchActor(BenchActorBase, table=True):
    __tablename__ = "bench_actor"
    id: int | None = Field(default=None, primary_key=True)


class BenchActorPublic(BenchActorBase):
    id: int


router = APIRouter(prefix="/bench", tags=["bench"])


@router.get("/actors", response_model=Page[BenchActorPublic])
async def list_actors(session: Session, limit: int = Query(20, ge=1, le=100)) -> Page[BenchActorPublic]:
    rows = (await session.exec(select(BenchActor).order_by(BenchActor.id).limit(limit))).all()
    items = [BenchActorPublic.model_validate(row, from_attributes=True) for row in rows]
    return Page(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if items else None)


class BenchServiceSettings(ServiceSettings):
    service_name: str = "bench"


@asynccontextmanager
async def seeded(app: FastAPI) -> AsyncIterator[None]:
    database = app.state.database
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda c: SQLModel.metadata.create_all(c, tables=[BenchActor.__table__]))
    async with database.session() as session:
        if not (await session.exec(select(func.count()).select_from(BenchActor))).one():
            session.add_all(
                BenchActor(name=f"Social Innovation Hub {n}", kind="hub", country=COUNTRIES[n % len(COUNTRIES)],
                           website=f"https://hub{n}.example.org")
                for n in range(ACTORS)
            )
    yield


def create_app() -> FastAPI:
    return create_service_app(BenchServiceSettings(), title="bench", description="bench_gateway upstream",
                              routers=[router], extra_lifespan=seeded)
