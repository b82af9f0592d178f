"""Smilies became images (static/smilies/): posts and signatures stored with the emoji spans
are rendered again from their source, so every smilie shows without an emoji font.

Posts count their open reports, for the mark moderators see on a reported post."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

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


def count_open_reports(apps, schema_editor):
    Post = apps.get_model("forum", "Post")
    Report = apps.get_model("forum", "Report")
    open_reports = (
        Report.objects.filter(post=OuterRef("pk"), is_open=True)
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Post.objects.filter(reports__is_open=True).update(
        open_report_count=Coalesce(Subquery(open_reports), 0)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0008_infractions"),
        ("accounts", "0009_fold_invisible_usernames"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="open_report_count",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Reports on this post waiting for a moderator: moderators see a mark "
                "on it.",
            ),
        ),
        migrations.RunPython(render_again, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(count_open_reports, migrations.RunPython.noop, elidable=True),
    ]
