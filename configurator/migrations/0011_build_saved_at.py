# Build.saved_at: when its owner last saved it. Existing builds: a build its owner made (not a
# remix or an e-mailed copy), or edited into a fork, was saved when last updated; a remix or copy
# only if it was updated well after it was made (the reach report's "saved from a remix").

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F, Q


def backfill(apps, schema_editor):
    Build = apps.get_model("configurator", "Build")
    made = Q(remixed_from__isnull=True, copied_from__isnull=True) | Q(forked_from__isnull=False)
    Build.objects.filter(made).update(saved_at=F("updated_at"))
    Build.objects.exclude(made).filter(updated_at__gt=F("created_at") + timedelta(seconds=2)).update(
        saved_at=F("updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("configurator", "0010_reserved_step_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="build",
            name="saved_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="saved by its owner"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
