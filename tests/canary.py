"""Setting the homepage canary's flag in tests."""

from waffle import get_waffle_flag_model

FLAG = "homepage_recommendations"
KILL_SWITCH = "homepage_recommendations_off"


def homepage_flag_set(percent: float, **fields) -> None:
    """Set the flag (made by the storefront's data migration) as staff would in the admin."""
    flag = get_waffle_flag_model().objects.get(name=FLAG)
    flag.percent = percent
    for name, value in fields.items():
        setattr(flag, name, value)
    flag.save()
    # Waffle drops its cached copy on commit, which a test's transaction never reaches.
    flag.flush()
