"""Serving pictures: every file goes through a view that decides who may see it. From local
disk the view streams it; from S3 it redirects to a signed URL that expires (S3_URL_SECONDS),
with the headers below asked of the store (response-content-disposition and -type)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from forum.actions import PostingRefused
from pictures import actions
from pictures.forms import AvatarForm
from pictures.models import Attachment

# Images may be shown in the page; anything else is always a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
# Attachments can become private (a post removed, a forum closed): browsers keep them briefly
# and only for the reader. Avatars never change under one URL (a new one has a new key).
ATTACHMENT_CACHE = "private, max-age=300"
AVATAR_CACHE = "public, max-age=31536000, immutable"


def get_visible_attachment_or_404(request, pk) -> Attachment:
    """The attachment `pk` if the user may see its post (Attachment.objects.visible_to)."""
    return get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)


def serve(name: str, *, content_type: str, filename: str, as_attachment: bool, cache: str):
    """The stored file `name`, streamed from disk or by a signed redirect to the store."""
    storage = storages["default"]
    disposition = content_disposition_header(as_attachment, filename)
    if isinstance(storage, FileSystemStorage):
        try:
            response = FileResponse(storage.open(name, "rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404(_("No such file.")) from None
        response["Content-Disposition"] = disposition
    else:
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
                "ResponseCacheControl": cache,
            },
        )
        response = HttpResponseRedirect(url)
        # The signed URL expires: the redirect to it may be reused only well before then (the
        # store's answer carries `cache`).
        cache = f"private, max-age={storage.querystring_expire // 2}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response


def attachment(request, pk, name):
    # 1 (2 for a member: the session's user): the attachment, if its post is visible
    found = get_visible_attachment_or_404(request, pk)
    if name != found.name:
        return redirect(found.get_absolute_url())
    return serve(
        found.stored_name,
        content_type=found.content_type,
        filename=found.name,
        as_attachment=found.content_type not in INLINE_TYPES,
        cache=ATTACHMENT_CACHE,
    )


def attachment_thumbnail(request, pk):
    found = get_visible_attachment_or_404(request, pk)
    if not found.is_image:
        raise Http404(_("No such picture."))
    if not found.thumbnail_name:  # not made yet: the image itself, already re-encoded
        return serve(
            found.stored_name,
            content_type=found.content_type,
            filename=found.name,
            as_attachment=False,
            cache="private, no-cache",
        )
    return serve(
        found.thumbnail_name,
        content_type="image/webp",
        filename=found.name.rsplit(".", 1)[0] + ".webp",
        as_attachment=False,
        cache=ATTACHMENT_CACHE,
    )


def avatar(request, member_id, key, size):
    # No query: the name is the member's id, their avatar's key and the size.
    pixels = actions.AVATAR_PIXELS.get(size)
    if pixels is None:
        raise Http404(_("No such size."))
    return serve(
        actions.avatar_name(member_id, key, pixels),
        content_type="image/webp",
        filename=f"avatar-{member_id}.webp",
        as_attachment=False,
        cache=AVATAR_CACHE,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def avatar_edit(request):
    if not request.user.may_set_avatar:
        raise PermissionDenied(_("An administrator has blocked you from setting an avatar."))
    form = AvatarForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        image = form.cleaned_data["image"]
        try:
            actions.set_avatar(
                member=request.user,
                content=image.content,
                name=image.name,
                place=form.cleaned_data["place"],
            )
        except PostingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Your avatar was saved."))
            return redirect("pictures:avatar_edit")
    return render(request, "pictures/avatar_edit.html", {"form": form})


@login_required
@require_POST
def avatar_remove(request):
    actions.remove_avatar(member=request.user)
    messages.success(request, _("Your avatar was removed."))
    return redirect("pictures:avatar_edit")
