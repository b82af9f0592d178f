"""The "Moderators" group, with exactly the permissions moderating needs.

Moderators read the board's structure and members, change threads and posts (lock, stick,
move, remove, restore, merge, split), work the report queue and ban members. They cannot add
or delete anything but bans, change forums or categories, or change members' permissions.
Permissions are created here (post_migrate would create them only after this migration).
"""

from django.db import migrations

MODERATOR_PERMISSIONS = {
    ("forum", "category"): ["view"],
    ("forum", "forum"): ["view"],
    ("forum", "thread"): ["view", "change"],
    ("forum", "post"): ["view", "change"],
    ("forum", "report"): ["view", "change"],
    ("accounts", "user"): ["view", "change"],
    ("accounts", "ban"): ["view", "add", "change"],
}


def create_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name="Moderators")
    permissions = []
    for (app_label, model), verbs in MODERATOR_PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        verbose_name = apps.get_model(app_label, model)._meta.verbose_name
        for verb in verbs:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{verb}_{model}",
                defaults={"name": f"Can {verb} {verbose_name}"},
            )
            permissions.append(permission)
    group.permissions.set(permissions)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0004_moderation"),
        ("accounts", "0003_moderation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
