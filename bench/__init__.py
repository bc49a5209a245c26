"""The benchmark behind `make bench`: a million leads, then the hire form and the lead list
through gunicorn on loopback, next to a bare Flask endpoint for scale."""
