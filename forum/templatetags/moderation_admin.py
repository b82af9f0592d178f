from django import template

register = template.Library()


@register.simple_tag
def open_report_count(user) -> int:
    """The open reports in the forums `user` moderates (one query; none for non-moderators)."""
    from forum.admin import open_reports_for

    return open_reports_for(user)
