"""Rewording text that data migrations wrote (waffle notes, periodic task descriptions).

The rows are made by old migrations with `get_or_create`, in English; staff may
have edited them since. A later migration replaces a text only where the row
still holds the exact old wording, so an edit made in the admin is kept, and
rolling back restores the old wording the same way (ADR 0027). The old
migrations are left as they are: a database that already ran them is not
touched by a change to them, and a fresh one goes through the same steps as
production did.
"""

from django.db import migrations


def rewording(
    app_label: str, model_name: str, field: str, texts: dict[str, tuple[str, str]]
) -> migrations.RunPython:
    """A reversible migration step: `texts` maps a row's `name` to (old wording, new wording)."""

    def reword(apps, reverse: bool) -> None:
        model = apps.get_model(app_label, model_name)
        for name, (old, new) in texts.items():
            before, after = (new, old) if reverse else (old, new)
            model.objects.filter(name=name, **{field: before}).update(**{field: after})

    return migrations.RunPython(
        lambda apps, schema_editor: reword(apps, reverse=False),
        lambda apps, schema_editor: reword(apps, reverse=True),
    )
