"""Wire formats: domain values rendered as GeoJSON and GPX."""
