"""The manager's wording of patients' messages (decision 0110); the clinic manager's role
gets "message wording" (clinic.roles)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from clinic.roles import sync_roles


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0003_sms_out'),
        # Every app's permissions exist before the roles are synced.
        ('billing', '0016_voucher_terms'),
        ('clinic', '0009_rate_limit_hit_age'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MessageTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40)),
                ('channel', models.CharField(choices=[('email', 'Email'), ('text', 'Text message')], max_length=10)),
                ('subject', models.CharField(blank=True, max_length=150)),
                ('body', models.TextField(max_length=5000)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['kind', 'channel'],
                'constraints': [models.UniqueConstraint(fields=('kind', 'channel'), name='message_template_once'), models.CheckConstraint(condition=models.Q(('channel__in', ['email', 'text'])), name='message_template_channel')],
            },
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
