"""GPX 1.1 downloads of tracks: the full track of good fixes, stops as waypoints."""

from __future__ import annotations

from datetime import UTC, datetime

import gpxpy.gpx

from fieldforce.tracking.queries import Track

GPX = "application/gpx+xml"


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def track_gpx(track: Track) -> str:
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "fieldforce"
    gpx_track = gpxpy.gpx.GPXTrack(name=f"{track.name} {track.start:%Y-%m-%d}")
    segment = gpxpy.gpx.GPXTrackSegment()
    for t, x, y in zip(track.times, track.lons, track.lats, strict=True):
        segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=y, longitude=x, time=_utc(t)))
    gpx_track.segments.append(segment)
    gpx.tracks.append(gpx_track)
    for stop in track.stops:
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=stop.lat,
                longitude=stop.lon,
                time=_utc(stop.start_t),
                name=f"stop {round(stop.duration_s / 60)} min",
            )
        )
    return str(gpx.to_xml())
