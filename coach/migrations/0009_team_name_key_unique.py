"""Team names unique as read: ``0008`` gave every team its key and renamed duplicates."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coach", "0008_team_name_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="team",
            name="name_key",
            field=models.CharField(editable=False, max_length=400, unique=True),
        ),
    ]
