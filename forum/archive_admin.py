"""Importing a thread archive from the admin, in two steps: upload and preview, then confirm.

A plain-text archive or one saved thread page (forum/archive_html.py). The uploaded file waits
in the session between the steps (hence the size limit), under a token
the confirm form carries, so a preview in another tab cannot be confirmed by mistake.
"""

import base64
import hashlib
import zoneinfo
from datetime import UTC

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.validators import validate_sane_date
from forum.archive import ArchiveError, read_archive
from forum.archive_html import merge_pages, read_page
from forum.archive_import import import_thread, plan_import
from forum.models import Forum

MAX_ARCHIVE_BYTES = 2 * 1024 * 1024
SESSION_KEY = "archive_upload"
PAGE_SUFFIXES = (".html", ".htm")


class ArchiveUploadForm(forms.Form):
    archive = forms.FileField(
        label=gettext_lazy("Archive"),
        help_text=gettext_lazy(
            "A plain-text thread archive (UTF-8), or a vBulletin 3 thread page saved as "
            "HTML (.html, .htm: showthread or printthread), up to 2 MB."
        ),
    )
    forum = forms.ModelChoiceField(
        label=gettext_lazy("Forum"),
        queryset=Forum.objects.select_related("category").order_by(
            "category__position", "position"
        ),
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        choices=[("", gettext_lazy("As the page says"))]
        + [(name, name) for name in sorted(zoneinfo.available_timezones())],
        required=False,
        help_text=format_lazy(
            gettext_lazy(
                "The zone the archive's times were printed in. Left as it is: for a text "
                "archive the board's zone ({zone}), for a page what its footer says "
                '("All times are GMT -5").'
            ),
            zone=settings.TIME_ZONE,
        ),
    )
    captured_at = forms.DateTimeField(
        label=gettext_lazy("Captured at"),
        required=False,
        validators=[validate_sane_date],
        help_text=gettext_lazy(
            'For a page that shows "Today" or "Yesterday" and does not say when it '
            "was saved (the Wayback Machine's copies do): when it was saved, in the board's zone."
        ),
    )
    legacy_thread_id = forms.IntegerField(
        label=gettext_lazy("Legacy thread id"),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=gettext_lazy(
            "The thread's id on the old board, so its old links keep working "
            "(pages carry their own)."
        ),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("archive")
        if upload is None or "time_zone" not in data:
            return data
        if upload.size > MAX_ARCHIVE_BYTES:
            self.add_error("archive", _("The archive is over 2 MB: import it with import_archive."))
            return data
        raw = upload.read()
        try:
            self.pending = read_upload(
                {
                    "name": upload.name,
                    "data": base64.b64encode(raw).decode("ascii"),
                    "time_zone": data["time_zone"],
                    "captured_at": data["captured_at"].isoformat()
                    if data.get("captured_at")
                    else None,
                    "legacy_thread_id": data.get("legacy_thread_id"),
                }
            )
        except ArchiveError as error:
            self.add_error("archive", located(upload.name, error))
        return data


class PendingImport:
    """An uploaded archive, read: what import_thread needs, and what the session keeps."""

    def __init__(self, stored: dict, archived, zone, legacy_thread_id, **page_extras):
        self.stored, self.archived, self.zone = stored, archived, zone
        self.legacy_thread_id = legacy_thread_id
        self.page_extras = page_extras  # legacy_post_ids, profiles, legacy_quotes for pages

    def plan(self, forum: Forum):
        return plan_import(
            forum=forum,
            archived=self.archived,
            time_zone=self.zone,
            legacy_thread_id=self.legacy_thread_id,
            legacy_post_ids=self.page_extras.get("legacy_post_ids"),
        )

    def run(self, forum: Forum):
        return import_thread(
            forum=forum,
            archived=self.archived,
            time_zone=self.zone,
            legacy_thread_id=self.legacy_thread_id,
            **self.page_extras,
        )


def read_upload(stored: dict) -> PendingImport:
    """Reads an upload as the session keeps it (its bytes in base64, the form's choices);
    raises ArchiveError."""
    raw = base64.b64decode(stored["data"])
    chosen = zoneinfo.ZoneInfo(stored["time_zone"]) if stored["time_zone"] else None
    if not stored["name"].lower().endswith(PAGE_SUFFIXES):
        return PendingImport(
            stored,
            read_archive(raw),
            chosen or zoneinfo.ZoneInfo(settings.TIME_ZONE),
            stored["legacy_thread_id"],
        )
    captured_at = stored["captured_at"]
    page = read_page(
        raw,
        stored["name"],
        time_zone=chosen,
        captured_at=forms.DateTimeField().to_python(captured_at) if captured_at else None,
    )
    merged = merge_pages([page])
    return PendingImport(
        stored,
        merged.archived,
        UTC,  # merge_pages gives UTC times
        stored["legacy_thread_id"] or merged.thread_id,
        legacy_post_ids=merged.legacy_post_ids,
        profiles=merged.profiles,
        legacy_quotes=True,
    )


def located(name: str, error: ArchiveError) -> str:
    if not error.line:  # pages have no useful line numbers
        return f"{name}: {error.reason}"
    return f"{name}, line {error.line}: {error.reason}"


@permission_required("forum.add_thread", raise_exception=True)
@require_http_methods(["GET", "POST"])
def archive_upload(request):
    """Step 1: upload, then see what the import would create."""
    if "confirm" in request.POST:
        return archive_import(request)
    form = ArchiveUploadForm(request.POST or None, request.FILES or None)
    plan = None
    if form.is_valid():
        pending = form.pending
        try:
            plan = pending.plan(form.cleaned_data["forum"])
        except ArchiveError as error:
            form.add_error("archive", located(request.FILES["archive"].name, error))
        else:
            request.session[SESSION_KEY] = {
                **pending.stored,
                "token": hashlib.sha256(pending.stored["data"].encode()).hexdigest(),
                "forum": form.cleaned_data["forum"].pk,
            }
    return render(
        request,
        "admin/forum/archive_upload.html",
        {
            **admin.site.each_context(request),
            "title": _("Import a thread archive"),
            "form": form,
            "plan": plan,
            "token": request.session[SESSION_KEY]["token"] if plan else None,
            "zone": form.pending.zone if plan else None,
        },
    )


def archive_import(request):
    """Step 2: import what was previewed."""
    stored = request.session.get(SESSION_KEY)
    forum = stored and Forum.objects.filter(pk=stored["forum"]).first()
    if not forum or request.POST.get("token") != stored["token"]:
        messages.error(request, _("That preview has expired: upload the archive again."))
        return redirect("archive_upload")
    try:
        plan = read_upload(stored).run(forum)
    except ArchiveError as error:
        messages.error(
            request,
            _("Nothing was imported: %(error)s") % {"error": located("the archive", error)},
        )
        return redirect("archive_upload")
    del request.session[SESSION_KEY]
    messages.success(
        request,
        format_html(
            'Imported <a href="{}">{}</a>: {} new posts, {} new members.',
            plan.thread.get_absolute_url(),
            plan.archived.title,
            len(plan.new_numbers),
            len(plan.new_members),
        ),
    )
    return redirect("archive_upload")
