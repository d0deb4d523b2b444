"""The baseline for request throughput: a bare FastAPI POST endpoint with a pydantic body,
no database, served the same way as fieldforce."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import FastAPI
from pydantic import BaseModel


class Item(BaseModel):
    id: uuid.UUID
    fix_time: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None


class Batch(BaseModel):
    pings: list[Item]


app = FastAPI()


@app.post("/api/v1/pings")
def accept(batch: Batch) -> dict[str, list[dict[str, str]]]:
    return {"results": [{"id": str(p.id), "status": "accepted"} for p in batch.pings]}
