"""Smilies became images (static/smilies/): posts and signatures stored with the emoji spans
are rendered again from their source, so every smilie shows without an emoji font."""

from django.db import migrations

from forum.markup import render_bbcode

OLD_SMILIE = 'class="smilie" role="img"'


def render_again(apps, schema_editor):
    Post = apps.get_model("forum", "Post")
    User = apps.get_model("accounts", "User")
    for model, source, rendered in [
        (Post, "body", "body_html"),
        (User, "signature", "signature_html"),
    ]:
        rows = model.objects.filter(**{f"{rendered}__contains": OLD_SMILIE}).only("pk", source)
        batch = []
        for row in rows.iterator(chunk_size=500):
            setattr(row, rendered, render_bbcode(getattr(row, source)))
            batch.append(row)
            if len(batch) == 500:
                model.objects.bulk_update(batch, [rendered])
                batch = []
        model.objects.bulk_update(batch, [rendered])


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0008_infractions"),
        ("accounts", "0009_fold_invisible_usernames"),
    ]

    operations = [migrations.RunPython(render_again, migrations.RunPython.noop, elidable=True)]
