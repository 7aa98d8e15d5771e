"""The model registry around the learned ranker: versions and their artifacts, which one
serves, how its health is watched, and the gate a retrained challenger must pass
(ADRs 0029 and 0030)."""
