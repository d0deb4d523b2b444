"""Fixes without GPS placed before they are stored: each gets the position its radio
observations give (source ``wifi`` or ``cell``, with that accuracy), or is marked
unresolved and will be rejected as such. Their accuracy is honest, so the tenant's
accuracy limit keeps the coarse ones (most cell fixes) from deciding anything alone."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from fieldforce.positioning.resolve import Heard, locate_many
from fieldforce.tracking.ingest import PingIn


def place(
    session: Session, tenant_id: uuid.UUID, pings: Sequence[PingIn], heard: Mapping[int, Heard]
) -> list[PingIn]:
    """The pings, those at the indexes of ``heard`` placed by what they heard."""
    if not heard:
        return list(pings)
    order = sorted(heard)
    found = locate_many(session, tenant_id, [heard[i] for i in order])
    out = list(pings)
    for i, located in zip(order, found, strict=True):
        if located is None:
            out[i] = replace(out[i], unresolved=True)
        else:
            out[i] = replace(
                out[i],
                lon=located.lon,
                lat=located.lat,
                accuracy_m=located.accuracy_m,
                source=located.source,
                placed=True,
            )
    return out
