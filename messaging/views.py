from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.throttle import client_address
from forum.paging import page_from_request, page_window, paginate
from messaging import actions
from messaging.forms import ComposeForm, MemberNameForm, MessageReplyForm, MessageReportForm
from messaging.models import (
    Message,
    MessageReport,
    Participant,
    reads_message_reports,
)
from messaging.notifications import member_from_token


def get_place_or_404(request, pk) -> Participant:
    """The member's place in conversation `pk`: the one access check of every conversation
    page. Anyone not in it (a guest is sent to log in first) gets the 404 page, moderators and
    admins included: they read a message only when it is reported (report_detail)."""
    places = Participant.objects.current().select_related("conversation")
    return get_object_or_404(places, conversation=pk, user=request.user)


@never_cache
@login_required
def inbox(request):
    # 1: session; 2: member; 3: how many conversations they keep; 4: the page of them with
    # their last messages and authors; 5: who is in each (one batch).
    listing = paginate(
        request, Participant.objects.inbox_of(request.user), settings.BOARD_CONVERSATIONS_PER_PAGE
    )
    for place in listing["items"]:
        people = place.conversation.participants.all()
        place.others = [p.user for p in people if p.user_id != request.user.pk]
    return render(
        request,
        "messaging/inbox.html",
        {**listing, "places": listing["items"], "quota": settings.BOARD_PM_QUOTA},
    )


@never_cache
@login_required
def sent_items(request):
    # 1: session; 2: member; 3: the count; 4: the page of messages with their conversations.
    sent = (
        Message.objects.sent_by(request.user)
        .select_related("conversation")
        .order_by("-created_at", "-pk")
    )
    listing = paginate(request, sent, settings.BOARD_CONVERSATIONS_PER_PAGE)
    return render(request, "messaging/sent_items.html", {**listing, "sent": listing["items"]})


def compose_initial(request) -> dict:
    name = request.GET.get("to", "")
    if name.isascii() and name.isdigit() and len(name) < 10:
        member = User.objects.filter(pk=int(name), is_active=True).first()
        name = member.username if member else ""
    return {"recipients": name[:100]}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def conversation_create(request):
    form = ComposeForm(request.POST or None, initial=compose_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            message = actions.start_conversation(
                sender=request.user, address=client_address(request), **form.cleaned_data
            )
        except actions.DuplicateMessage as duplicate:
            return redirect(duplicate.message.conversation.get_absolute_url())
        except actions.MessageRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Your message was sent."))
            return redirect(message.conversation.get_absolute_url())
    return render(request, "messaging/conversation_create.html", {"form": form})


def quoted_message(request, place: Participant) -> str:
    raw = request.GET.get("quote", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        return ""
    kept = Message.objects.kept_by(request.user).select_related("author")
    message = kept.filter(conversation=place.conversation_id, pk=int(raw)).first()
    return message.quote_source() if message else ""


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def conversation_detail(request, pk):
    # Reading: 1 session; 2 member; 3 their place with the conversation; 4 the page of
    # messages with authors; 5 who is in it. Reading the unread part adds 6-9 (mark_read: the
    # member's row locked, the place read, its bell notice read, the member's counts).
    place = get_place_or_404(request, pk)
    if request.method == "POST":
        form = MessageReplyForm(request.POST)
        if form.is_valid():
            try:
                message = actions.reply(
                    conversation=place.conversation, sender=request.user,
                    address=client_address(request), **form.cleaned_data,
                )  # fmt: skip
            except actions.DuplicateMessage as duplicate:
                message = duplicate.message
            except actions.MessageRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, _("Your reply was sent."))
            if not form.errors:
                return redirect(message.location_for(place))
    else:
        form = MessageReplyForm(initial={"body": quoted_message(request, place)})
    page = page_from_request(request, place.page_count())
    shown = list(Message.objects.page_for(place, page))
    people = list(
        Participant.objects.current()
        .filter(conversation=place.conversation_id)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    through = shown[-1].number if shown else 0
    reading = request.method == "GET" and place.moves_on_reading(through)
    if reading:
        actions.mark_read(place=place, through=through, reader=request.user)  # the header
    return render(
        request,
        "messaging/conversation_detail.html",
        {
            "place": place,
            "conversation": place.conversation,
            "shown": shown,
            "people": people,
            "form": form,
            "page": page,
            "page_count": place.page_count(),
            "page_window": page_window(page, place.page_count()),
        },
    )


@login_required
@require_POST
def participant_add(request, pk):
    place = get_place_or_404(request, pk)
    form = MemberNameForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["username"]))
        return redirect(place.conversation.get_absolute_url())
    member = form.cleaned_data["username"]
    try:
        actions.add_participant(conversation=place.conversation, by=request.user, member=member)
    except actions.MessageRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("%(member)s is now in this conversation.") % {"member": member})
    return redirect(place.conversation.get_absolute_url())


@login_required
@require_POST
def conversation_leave(request, pk):
    place = get_place_or_404(request, pk)
    actions.leave_conversation(place=place)
    messages.success(request, f'You left "{place.conversation}".')
    return redirect("messaging:inbox")


@login_required
@require_POST
def conversation_delete(request, pk):
    place = get_place_or_404(request, pk)
    actions.delete_for_self(place=place)
    messages.success(
        request, f'"{place.conversation}" is deleted for you; the others in it keep it.'
    )
    return redirect("messaging:inbox")


@login_required
@require_POST
def conversation_mark(request, pk):
    place = get_place_or_404(request, pk)
    if request.POST.get("state") == "unread":
        actions.mark_unread(place=place)
        messages.success(request, f'"{place.conversation}" is marked unread.')
    else:
        actions.mark_read(place=place, through=place.conversation.last_number, reader=request.user)
        messages.success(request, f'"{place.conversation}" is marked read.')
    return redirect("messaging:inbox")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def message_report(request, pk):
    kept = Message.objects.kept_by(request.user).select_related("conversation", "author")
    message = get_object_or_404(kept.exclude(author=request.user), pk=pk)
    place = get_place_or_404(request, message.conversation_id)
    form = MessageReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.report_message(
            message=message, reporter=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Thank you: the moderators will read this message."))
        return redirect(message.location_for(place))
    return render(
        request,
        "messaging/message_report.html",
        {"form": form, "message": message, "conversation": message.conversation},
    )


def require_report_reader(request) -> None:
    if not reads_message_reports(request.user):
        raise Http404(_("No such page."))


@never_cache
@login_required
def report_list(request):
    # 1 session; 2 member; 3 their moderator scope; 4 the count; 5 the page, with the
    # message's author and the reporter. No message text: reading one is logged.
    require_report_reader(request)
    reports = MessageReport.objects.filter(resolved_at__isnull=True).select_related(
        "message__author", "reporter"
    )
    listing = paginate(request, reports, settings.BOARD_CONVERSATIONS_PER_PAGE)
    return render(request, "messaging/report_list.html", {**listing, "reports": listing["items"]})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk):
    """The reported message alone, never the rest of its conversation; each read is logged."""
    require_report_reader(request)
    report = get_object_or_404(
        MessageReport.objects.select_related(
            "message__conversation", "message__author", "reporter"
        ),
        pk=pk,
    )
    if request.method == "POST":
        actions.resolve_report(report=report, moderator=request.user)
        messages.success(request, _("The report is resolved."))
        return redirect("messaging:report_list")
    actions.log_report_read(
        report=report, moderator=request.user, address=client_address(request) or None
    )
    return render(request, "messaging/report_detail.html", {"report": report})


LISTS = {"contacts": "your contacts", "ignore": "your ignore list"}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def member_lists(request):
    """Contacts (who may message a member who accepts contacts only) and the ignore list."""
    form = MemberNameForm(request.POST or None)
    if request.method == "POST":
        which, remove = request.POST.get("list"), request.POST.get("remove") == "1"
        if which not in LISTS:
            raise Http404(_("No such list."))
        if form.is_valid():
            member = form.cleaned_data["username"]
            try:
                change_list(request.user, which, member, remove=remove)
            except actions.ListRefused as refusal:
                messages.error(request, str(refusal))
            else:
                done = "removed from" if remove else "added to"
                messages.success(request, f"{member} is {done} {LISTS[which]}.")
            if request.POST.get("next") == "profile":
                return redirect(member.get_absolute_url())
            return redirect("messaging:member_lists")
        messages.error(request, " ".join(form.errors["username"]))
        return redirect("messaging:member_lists")
    return render(
        request,
        "messaging/member_lists.html",
        {
            "lists": [
                (
                    "contacts",
                    _("Contacts"),
                    list(request.user.contacts.order_by("username_key")),
                    _(
                        "Members you know. If you accept private messages from contacts only "
                        "(your settings), only they and the staff may write to you."
                    ),
                ),
                (
                    "ignore",
                    _("Ignore list"),
                    list(request.user.ignored_members.order_by("username_key")),
                    _(
                        "Their posts are hidden from you, with a link to show each; their "
                        "private messages are refused and their replies no longer mail you. "
                        "Moderators and administrators cannot be ignored."
                    ),
                ),
            ]
        },  # fmt: skip
    )


def change_list(member: User, which: str, other: User, *, remove: bool) -> None:
    if which == "contacts":
        change = actions.remove_contact if remove else actions.add_contact
        change(member=member, contact=other)
    else:
        change = actions.unignore_member if remove else actions.ignore_member
        change(member=member, ignored=other)


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    member = member_from_token(token)
    if member is None:
        raise Http404(_("That link is invalid."))
    if request.method == "POST":
        User.objects.filter(pk=member.pk).update(mail_on_message=False)
        return render(request, "messaging/unsubscribed.html", {"member": member})
    return render(request, "messaging/unsubscribe.html", {"member": member})
