from django import template

register = template.Library()


@register.simple_tag
def open_report_count(user) -> int:
    """The open reports in the forums `user` moderates (one query; none for non-moderators)."""
    from forum.admin import open_reports_for

    return open_reports_for(user)


# What each kind of logged object's name (__str__) shows besides its own fields.
NAMED_WITH = {
    ("forum", "post"): ["thread", "author"],
    ("forum", "postrevision"): ["post__thread", "post__author"],
    ("messaging", "participant"): ["user"],
    ("forum", "infraction"): ["post__thread", "post__author"],
    ("forum", "report"): ["reporter", "post__thread", "post__author"],
    ("forum", "spammercleanup"): ["member"],
    ("accounts", "ban"): ["member"],
    ("messaging", "messagereport"): ["reporter"],
}


@register.simple_tag
def recent_actions(user, limit: int = 10) -> list:
    """The admin index's "My actions", like Django's {% get_admin_log %}, with each object
    still there named again in the reader's language: a LogEntry keeps the name it had in the
    language of whoever acted ("Warning for #2 ..."). One query for the entries, one per kind
    of object among them."""
    from django.contrib.admin.models import LogEntry

    entries = list(LogEntry.objects.filter(user=user).select_related("content_type")[:limit])
    wanted: dict = {}
    for entry in entries:
        if entry.content_type and not entry.is_deletion():
            wanted.setdefault(entry.content_type, set()).add(entry.object_id)
    for content_type, ids in wanted.items():
        model = content_type.model_class()
        if model is None:
            continue
        objects = model._default_manager.all()
        if relations := NAMED_WITH.get((content_type.app_label, content_type.model)):
            objects = objects.select_related(*relations)
        objects = objects.in_bulk([int(pk) for pk in ids if pk.isdigit()])
        for entry in entries:
            found = entry.object_id.isdigit() and objects.get(int(entry.object_id))
            if entry.content_type_id == content_type.pk and found:
                entry.object_repr = str(found)
    return entries
