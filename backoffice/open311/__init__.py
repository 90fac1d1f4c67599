"""Open311 GeoReport v2 at /open311/v2/: third-party reporting apps file and follow cases."""
