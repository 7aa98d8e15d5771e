"""Argument types shared by the recommendation commands."""


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1 (a ValueError becomes a usage error)."""
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value
