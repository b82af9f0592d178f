"""username_key now drops invisible characters: fold the names already stored.

A name whose new key belongs to another member already (a look-alike registered with
zero-width or filler characters before they were refused) keeps its old key, so the migration
never fails on a board that holds such pairs; a superuser renames it in the admin.
"""

from django.db import migrations


def refold(apps, schema_editor):
    from accounts.models import username_key

    User = apps.get_model("accounts", "User")
    taken = set(User.objects.values_list("username_key", flat=True))
    for pk, username, old_key in User.objects.values_list("pk", "username", "username_key"):
        new_key = username_key(username)
        if new_key != old_key and new_key not in taken:
            User.objects.filter(pk=pk).update(username_key=new_key)
            taken.discard(old_key)
            taken.add(new_key)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_throttle_counts")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
