"""The hourly django-q2 schedule that removes abandoned uploads (replays.upload_cleanup)."""

from django.db import migrations

NAME = "remove-abandoned-uploads"


def add(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={"func": "replays.upload_cleanup.uploads_cleanup_task", "schedule_type": "H"},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("replays", "0005_upload_writer_and_expiry"),
        ("django_q", "0018_task_success_index"),
    ]
    operations = [migrations.RunPython(add, remove)]
