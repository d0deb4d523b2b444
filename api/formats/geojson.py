"""GeoJSON answers, built from what the services return: PostGIS writes the geometries
(``ST_AsGeoJSON``), these functions put them into typed Features."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.schemas.tracking import (
    StopProperties,
    TrackCollection,
    TrackFeature,
    TrackLineProperties,
    TripProperties,
)
from api.schemas.zones import ZoneOut, ZoneOutCollection, ZoneOutProperties
from fieldforce.monitoring.positions import Position
from fieldforce.tracking.queries import Track
from fieldforce.zones.models import Zone

GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    """A GeoJSON answer: a typed model, serialized by pydantic, or JSON text already
    written in a documented model's shape."""

    media_type = GEOJSON

    def render(self, content: BaseModel | str) -> bytes:
        if isinstance(content, str):
            return content.encode()
        return content.model_dump_json(by_alias=True).encode()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def position_feature(position: Position) -> str:
    """A `PositionFeature` as JSON text: its properties and geometry as PostgreSQL wrote
    them (see `Position`), so that thousands cost little more than the query."""
    return (
        f'{{"type":"Feature","id":"{position.staff_id}","geometry":{position.geometry_json},'
        f'"properties":{position.fields_json}}}'
    )


def positions_collection(positions: list[Position]) -> str:
    """A `PositionCollection` as JSON text."""
    features = ",".join(position_feature(p) for p in positions)
    return f'{{"type":"FeatureCollection","features":[{features}]}}'


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _line_feature(track: Track) -> TrackFeature:
    return TrackFeature(
        type="Feature",
        geometry={"type": "LineString", "coordinates": track.line},
        properties=TrackLineProperties(
            kind="track",
            fixes=len(track.times),
            points=len(track.line),
            distance_m=round(track.distance_m, 1),
        ),
    )


StopMatch = tuple[uuid.UUID, str] | None


def _stop_features(track: Track, matches: Sequence[StopMatch]) -> list[TrackFeature]:
    matched = list(matches) or [None] * len(track.stops)
    return [
        TrackFeature(
            type="Feature",
            geometry={"type": "Point", "coordinates": (stop.lon, stop.lat)},
            properties=StopProperties(
                kind="stop",
                start=_utc(stop.start_t),
                end=_utc(stop.end_t),
                duration_s=round(stop.duration_s),
                customer_id=match[0] if match else None,
                customer_name=match[1] if match else None,
            ),
        )
        for stop, match in zip(track.stops, matched, strict=True)
    ]


def _trip_features(track: Track) -> list[TrackFeature]:
    return [
        TrackFeature(
            type="Feature",
            geometry={
                "type": "LineString",
                "coordinates": list(
                    zip(
                        track.lons[trip.first : trip.last + 1],
                        track.lats[trip.first : trip.last + 1],
                        strict=True,
                    )
                ),
            },
            properties=TripProperties(
                kind="trip",
                start=_utc(trip.start_t),
                end=_utc(trip.end_t),
                duration_s=round(trip.duration_s),
                distance_m=round(trip.distance_m, 1),
            ),
        )
        for trip in track.trips
    ]


def track_collection(track: Track, matches: Sequence[StopMatch] = ()) -> TrackCollection:
    """The track; ``matches`` names the customer of each stop (or None), when known."""
    line = [_line_feature(track)] if len(track.line) >= 2 else []
    return TrackCollection(
        type="FeatureCollection",
        staff_id=track.staff_id,
        start=track.start,
        end=track.end,
        distance_m=round(track.distance_m, 1),
        features=[*line, *_stop_features(track, matches), *_trip_features(track)],
    )


def zone_feature(zone: Zone, geometry: dict[str, Any]) -> ZoneOut:
    """A zone as a Feature: its own properties, then its fields (which win over them)."""
    fields = {
        "id": zone.id,
        "name": zone.name,
        "code": zone.code,
        "kind": zone.kind,
        "shape": zone.shape,
        "org_unit_id": zone.org_unit_id,
        "area_m2": round(zone.area_m2, 1),
        "settings": zone.settings,
        "active": zone.active,
        "created_at": zone.created_at,
        "updated_at": zone.updated_at,
    }
    if zone.radius_m is not None:
        fields["radius_m"] = zone.radius_m
    return ZoneOut(
        type="Feature",
        id=str(zone.id),
        geometry=geometry,
        properties=ZoneOutProperties.model_validate({**(zone.properties or {}), **fields}),
    )


def zone_features(zones: list[Zone], geometries: dict[uuid.UUID, dict[str, Any]]) -> list[ZoneOut]:
    return [zone_feature(zone, geometries[zone.id]) for zone in zones]


def zones_collection(
    zones: list[Zone], geometries: dict[uuid.UUID, dict[str, Any]]
) -> ZoneOutCollection:
    return ZoneOutCollection(type="FeatureCollection", features=zone_features(zones, geometries))
