from django.db import migrations, models
from django.db.models import F


def _existing_orders_were_confirmed(apps, schema_editor):
    """Orders placed before the outbox existed had their e-mail sent (or lost) already: the sweep
    must not send them again."""
    apps.get_model("configurator", "Order").objects.update(confirmation_sent_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("configurator", "0003_order_country"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="confirmation_sent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="confirmation sent"),
        ),
        migrations.RunPython(_existing_orders_were_confirmed, migrations.RunPython.noop),
    ]
