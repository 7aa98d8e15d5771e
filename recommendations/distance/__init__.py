"""The distance service: distances from a person's home to venues, through a pluggable provider.

`providers` computes or fetches distances (great-circle here, road distances
from an OSRM-compatible routing API); `service` puts a cache keyed by a coarse
origin cell and the venue in front of the provider and counts hits, misses and
provider calls (ADR 0010).
"""
