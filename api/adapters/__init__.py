"""Parsers for tracker-app wire protocols (OsmAnd / Traccar Client, OwnTracks)."""
