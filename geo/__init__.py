"""Pure geometry and track maths (shapely 2, numpy, pyproj). No database, no HTTP."""
