"""Full-text search in French, blind to accents, for the catalogue (ADR 0028), and the
marketplace's names marked for translation so that the admin reads in French (ADR 0027).

On PostgreSQL: the `unaccent` extension, a `passerelle_fr` configuration (unaccent,
then French stemming) and GIN indexes on the expressions `marketplace.search`
queries. Other databases (the SQLite demo) search without them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS passerelle_fr",
    "CREATE TEXT SEARCH CONFIGURATION passerelle_fr (COPY = french)",
    "ALTER TEXT SEARCH CONFIGURATION passerelle_fr"
    " ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem",
    "CREATE INDEX offer_search_text_idx ON marketplace_offer"
    " USING gin (to_tsvector('passerelle_fr', title || ' ' || description))",
    "CREATE INDEX venue_search_text_idx ON marketplace_venue"
    " USING gin (to_tsvector('passerelle_fr', name || ' ' || city))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS venue_search_text_idx",
    "DROP INDEX IF EXISTS offer_search_text_idx",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS passerelle_fr",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_drop_swapped_out_waffle_flag")]

    operations = [
        migrations.RunPython(run(FORWARD), run(BACKWARD), elidable=False),
        migrations.AlterModelOptions(
            name='booking',
            options={'ordering': ['-created_at'], 'verbose_name': 'booking', 'verbose_name_plural': 'bookings'},
        ),
        migrations.AlterModelOptions(
            name='category',
            options={'ordering': ['position', 'name'], 'verbose_name': 'category', 'verbose_name_plural': 'categories'},
        ),
        migrations.AlterModelOptions(
            name='offer',
            options={'ordering': ['starts_at', 'pk'], 'verbose_name': 'offer', 'verbose_name_plural': 'offers'},
        ),
        migrations.AlterModelOptions(
            name='user',
            options={'verbose_name': 'user', 'verbose_name_plural': 'users'},
        ),
        migrations.AlterModelOptions(
            name='venue',
            options={'ordering': ['name'], 'verbose_name': 'venue', 'verbose_name_plural': 'venues'},
        ),
        migrations.AlterField(
            model_name='booking',
            name='amount',
            field=models.DecimalField(decimal_places=2, max_digits=10, verbose_name='amount'),
        ),
        migrations.AlterField(
            model_name='booking',
            name='cancelled_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='cancelled at'),
        ),
        migrations.AlterField(
            model_name='booking',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='booked at'),
        ),
        migrations.AlterField(
            model_name='booking',
            name='offer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='marketplace.offer', verbose_name='offer'),
        ),
        migrations.AlterField(
            model_name='booking',
            name='quantity',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='places'),
        ),
        migrations.AlterField(
            model_name='booking',
            name='status',
            field=models.CharField(choices=[('confirmed', 'Confirmed'), ('cancelled', 'Cancelled'), ('used', 'Used')], default='confirmed', max_length=10, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='booking',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to=settings.AUTH_USER_MODEL, verbose_name='shopper'),
        ),
        migrations.AlterField(
            model_name='category',
            name='name',
            field=models.CharField(max_length=100, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='category',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='offers', to='marketplace.category', verbose_name='category'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='description',
            field=models.TextField(blank=True, verbose_name='description'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='ends_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='ends at'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='is_active',
            field=models.BooleanField(default=True, verbose_name='published'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='price',
            field=models.DecimalField(decimal_places=2, max_digits=8, verbose_name='price'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='starts_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='starts at'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='stock',
            field=models.PositiveIntegerField(blank=True, help_text='Places offered; empty means unlimited.', null=True, verbose_name='stock'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='title',
            field=models.CharField(max_length=200, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='venue',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='offers', to='marketplace.venue', verbose_name='venue'),
        ),
        migrations.AlterField(
            model_name='user',
            name='home_city',
            field=models.CharField(blank=True, max_length=100, verbose_name='home city'),
        ),
        migrations.AlterField(
            model_name='user',
            name='home_postcode',
            field=models.CharField(blank=True, max_length=5, verbose_name='home postcode'),
        ),
        migrations.AlterField(
            model_name='user',
            name='newsletter_consent',
            field=models.BooleanField(default=False, verbose_name='newsletter consent'),
        ),
        migrations.AlterField(
            model_name='venue',
            name='address',
            field=models.CharField(blank=True, max_length=255, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='venue',
            name='city',
            field=models.CharField(max_length=100, verbose_name='city'),
        ),
        migrations.AlterField(
            model_name='venue',
            name='kind',
            field=models.CharField(choices=[('museum', 'Museum'), ('cinema', 'Cinema'), ('festival', 'Festival site'), ('other', 'Other')], default='other', max_length=20, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='venue',
            name='name',
            field=models.CharField(max_length=200, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='venue',
            name='postcode',
            field=models.CharField(blank=True, max_length=5, verbose_name='postcode'),
        ),
    ]
