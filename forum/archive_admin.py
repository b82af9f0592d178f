"""Importing a thread archive from the admin, in two steps: upload and preview, then confirm.

The uploaded text waits in the session between the steps (hence the size limit), under a token
the confirm form carries, so a preview in another tab cannot be confirmed by mistake.
"""

import hashlib
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from forum.archive import ArchiveError, parse_archive, read_archive
from forum.archive_import import import_thread, plan_import
from forum.models import Forum

MAX_ARCHIVE_BYTES = 2 * 1024 * 1024
SESSION_KEY = "archive_upload"


class ArchiveUploadForm(forms.Form):
    archive = forms.FileField(help_text="A plain-text thread archive (UTF-8), up to 2 MB.")
    forum = forms.ModelChoiceField(
        Forum.objects.select_related("category").order_by("category__position", "position")
    )
    time_zone = forms.ChoiceField(
        choices=[(name, name) for name in sorted(zoneinfo.available_timezones())],
        initial=settings.TIME_ZONE,
        help_text="The zone the archive's times were printed in.",
    )
    legacy_thread_id = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The thread's id on the old board, so its old links keep working.",
    )

    def clean_archive(self) -> str:
        upload = self.cleaned_data["archive"]
        if upload.size > MAX_ARCHIVE_BYTES:
            raise forms.ValidationError("The archive is over 2 MB: import it with import_archive.")
        data = upload.read()
        try:
            self.archived = read_archive(data)
        except ArchiveError as error:
            raise forms.ValidationError(located(upload.name, error)) from None
        return data.decode("utf-8-sig")


def located(name: str, error: ArchiveError) -> str:
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
        data = form.cleaned_data
        try:
            plan = plan_import(
                forum=data["forum"],
                archived=form.archived,
                time_zone=zoneinfo.ZoneInfo(data["time_zone"]),
                legacy_thread_id=data["legacy_thread_id"],
            )
        except ArchiveError as error:
            form.add_error("archive", located(request.FILES["archive"].name, error))
        else:
            request.session[SESSION_KEY] = {
                "token": hashlib.sha256(data["archive"].encode()).hexdigest(),
                "text": data["archive"],
                "forum": data["forum"].pk,
                "time_zone": data["time_zone"],
                "legacy_thread_id": data["legacy_thread_id"],
            }
    return render(
        request,
        "admin/forum/archive_upload.html",
        {
            **admin.site.each_context(request),
            "title": "Import a thread archive",
            "form": form,
            "plan": plan,
            "token": request.session[SESSION_KEY]["token"] if plan else None,
            "zone": form.cleaned_data["time_zone"] if plan else None,
        },
    )


def archive_import(request):
    """Step 2: import what was previewed."""
    pending = request.session.get(SESSION_KEY)
    forum = pending and Forum.objects.filter(pk=pending["forum"]).first()
    if not forum or request.POST.get("token") != pending["token"]:
        messages.error(request, "That preview has expired: upload the archive again.")
        return redirect("archive_upload")
    try:
        plan = import_thread(
            forum=forum,
            archived=parse_archive(pending["text"]),
            time_zone=zoneinfo.ZoneInfo(pending["time_zone"]),
            legacy_thread_id=pending["legacy_thread_id"],
        )
    except ArchiveError as error:
        messages.error(request, f"Nothing was imported: {located('the archive', error)}")
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
