from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('configurator', '0006_moderation'),
    ]

    operations = [
        migrations.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(max_length=32, verbose_name='request kind')),
                ('namespace', models.CharField(blank=True, max_length=36)),
                ('key', models.CharField(max_length=255, verbose_name='key')),
                ('fingerprint', models.CharField(max_length=64)),
                ('owner_key', models.UUIDField(blank=True, null=True)),
                ('status_code', models.PositiveSmallIntegerField(default=0)),
                ('response', models.TextField(default='{}')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={
                'verbose_name': 'idempotency key',
                'verbose_name_plural': 'idempotency keys',
                'constraints': [models.UniqueConstraint(fields=('scope', 'namespace', 'key'), name='idempotency_key_once')],
            },
        ),
    ]
