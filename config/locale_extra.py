"""Django's own strings that its German catalog lacks (new in Django 6.1) or leaves in English,
listed here so that
makemessages keeps them in ours (locale/de), which Django reads before its own."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),
    # The admin app's name: Django's German catalog keeps it English ("Administration").
    gettext_noop("Administration"),
]
