# Joins the precomputation schedule (issue 8) and the model registry (issue 10),
# written in parallel from the same starting point.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_precompute_schedule"),
        ("recommendations", "0003_model_monitoring_schedule"),
    ]

    operations = []
