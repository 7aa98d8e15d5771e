"""The offer categories, modelled on those of a national cultural marketplace."""

from django.db import migrations

CATEGORIES = [
    ("cinema", "Cinema", False),
    ("live-music", "Live music", False),
    ("shows", "Shows and theatre", False),
    ("museums-heritage", "Museums and heritage", False),
    ("books", "Books", False),
    ("recorded-music", "Recorded music", True),
    ("films-series", "Films and series", True),
    ("games", "Games", True),
    ("art-practice", "Art practice and workshops", False),
    ("conferences", "Conferences and meetings", False),
    ("press-media", "Press and media", True),
    ("instruments", "Musical instruments", False),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    for position, (slug, name, is_digital) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "is_digital": is_digital, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
