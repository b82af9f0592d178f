import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import throttle
from accounts.forms import (
    ConfirmationResendForm,
    PasswordResetMailForm,
    ProfileForm,
    RegistrationForm,
)
from accounts.mail import (
    member_from_confirmation_token,
    send_confirmation_mail,
    send_registration_attempt_mail,
)
from accounts.models import ACTIVE_MEMBER, AddressBan, AddressRecord, User
from forum import pagecache
from forum.models import Post, recent_posts_by
from forum.pagecache import LISTS, cached_for_visitors, shared
from forum.paging import paginate
from forum.views import readable_forum_ids

# Each column sorts both ways: "-name" is "name" reversed (Z to A; the newest first; the
# fewest posts first).
MEMBER_ORDERS = {
    "name": ("username_key",),
    "-name": ("-username_key",),
    "joined": ("date_joined", "pk"),
    "-joined": ("-date_joined", "-pk"),
    "posts": ("-post_count", "username_key"),
    "-posts": ("post_count", "username_key"),
}
# The member list's sortable columns: (sort key, heading, how the key itself sorts, CSS class).
MEMBER_COLUMNS = [
    ("name", gettext_lazy("User Name"), "ascending", ""),
    ("joined", gettext_lazy("Join Date"), "ascending", ""),
    ("posts", gettext_lazy("Posts"), "descending", "col-num"),
]
FLIPPED = {"ascending": "descending", "descending": "ascending"}


def member_list_columns(order: str) -> dict[str, dict]:
    """Each sortable column's heading, link and aria-sort: a click sorts by the column, or turns
    the order round when the list is already sorted by it."""
    columns = {}
    for key, label, direction, css in MEMBER_COLUMNS:
        state = direction if order == key else FLIPPED[direction] if order == f"-{key}" else None
        href = f"?sort=-{key}" if order == key else f"?sort={key}"
        columns[key] = {"label": label, "state": state, "href": href, "css": css}
    return columns


@cached_for_visitors(scopes=lambda pk: [pagecache.member_scope(pk)])
def member_detail(request, pk):
    # 1: the member; 2: their recent posts with threads. With a shared cache both are kept
    # for every reader who may read the same forums (their ids are in the name), until the
    # member goes stale or one of the posts' threads does (pagecache.shared). The forums come
    # from the board's shared ones: a member's visit queries only their session and row.
    readable = readable_forum_ids(request.user) if pagecache.is_enabled() else ()
    member, recent_posts = shared(
        f"member:{pk}:recent:{forums_digest(readable)}",
        lambda: member_with_recent_posts(pk, request.user),
        [pagecache.member_scope(pk)],
        # Each post shows its thread's title, which its thread's moderators may change.
        depends=lambda found: [pagecache.thread_scope(post.thread_id) for post in found[1]],
    )
    return render(
        request,
        "accounts/member_detail.html",
        {
            "member": member,
            "recent_posts": recent_posts,
            "may_ban": request.user.is_authenticated and request.user.may_ban(member),
            # Only they and moderators (who need the forum check may_ban already made) see it.
            "sees_infractions": request.user.is_authenticated
            and (request.user.pk == member.pk or request.user.moderated_forum_ids != frozenset()),
        },
    )


def member_with_recent_posts(pk: int, reader) -> tuple[User, list[Post]]:
    member = next(iter(ACTIVE_MEMBER.fetch(pk)), None)
    if member is None:
        raise Http404("No User matches the given query.")  # as get_object_or_404 says
    return member, recent_posts_by(member, reader, 10)


def forums_digest(forum_ids) -> str:
    return hashlib.blake2b(repr(sorted(forum_ids)).encode(), digest_size=12).hexdigest()


@cached_for_visitors(params=("sort", "page"), scopes=lambda: [LISTS])
def member_list(request):
    # 1: the count; 2: the page of members
    order = request.GET.get("sort", "name")
    if order not in MEMBER_ORDERS:
        order = "name"
    members = User.objects.filter(is_active=True).order_by(*MEMBER_ORDERS[order])
    listing = paginate(request, members, settings.BOARD_MEMBERS_PER_PAGE)
    return render(
        request,
        "accounts/member_list.html",
        {**listing, "members": listing["items"], "columns": member_list_columns(order)},
    )


@require_http_methods(["GET", "POST"])
@transaction.atomic  # the account and its mail's task commit together
def register(request):
    if request.user.is_authenticated:
        return redirect("forum:index")
    address = throttle.client_address(request)
    form = RegistrationForm(request.POST or None, address=address)
    if form.is_bound and (
        refusal := throttle.registration_refusal(address) or address_ban_refusal(address)
    ):
        form.add_error(None, refusal)
    if request.method == "POST" and form.is_valid():
        # An address in use stays with its owner, who is told; the newcomer sees what any
        # newcomer sees, so registering never reveals who has an account.
        taken_email = form.cleaned_data["email"] if form.email_in_use() else None
        if taken_email:
            form.instance.email = ""
        member = form.save()
        pagecache.on_commit_stale(lists=True)  # the member list and the index's newest member
        throttle.record_registration(address)
        AddressRecord.note(member, address, AddressRecord.REGISTRATION)
        login(request, member, backend="accounts.backends.UsernameOrEmailBackend")
        if taken_email:
            if throttle.allow_mail(address, taken_email):
                send_registration_attempt_mail.enqueue(taken_email, site_url(request))
        elif settings.BOARD_REQUIRE_EMAIL_CONFIRMATION and throttle.allow_mail(
            address, member.email
        ):
            send_confirmation(request, member)
        if settings.BOARD_REQUIRE_EMAIL_CONFIRMATION:
            messages.info(
                request, confirm_first_message(_("Welcome, %(member)s! ") % {"member": member})
            )
        else:
            messages.success(
                request,
                _("Welcome to %(board)s, %(member)s!")
                % {"board": settings.BOARD_NAME, "member": member},
            )
        return redirect("forum:index")
    return render(request, "registration/register.html", {"form": form})


def address_ban_refusal(address: str) -> str | None:
    ban = AddressBan.objects.covering(address)
    return ban.refusal() if ban is not None else None


def site_url(request) -> str:
    return request.build_absolute_uri("/")


def send_confirmation(request, member: User) -> None:
    """Enqueues the confirmation mail: the worker sends it, and retries while the mail server
    is down, so registering never waits for (or fails with) the mail server."""
    send_confirmation_mail.enqueue(member.pk, site_url(request))


def confirm_first_message(greeting: str = ""):
    return format_html(
        '{}{} <a href="{}">{}</a>',
        greeting,
        _("Confirm your email to start posting: a link is on its way to you."),
        reverse("accounts:confirmation_resend"),
        _("Send it again"),
    )


@require_http_methods(["GET", "POST"])
def confirmation_resend(request):
    """Another confirmation link, for whoever asks with an address: the answer is the same
    whether or not an account waits on it, and the mail is limited per address and recipient."""
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    address = throttle.client_address(request)
    form = ConfirmationResendForm(request.POST or None, initial=initial, address=address)
    if request.method == "POST" and form.is_valid():
        throttle.record_mail(address, form.cleaned_data["email"])
        member = form.member_waiting()
        if member is not None:
            send_confirmation(request, member)
        messages.info(
            request,
            _(
                "If an account waiting for confirmation uses that address, a new link is on its "
                "way. It works for seven days."
            ),
        )
        return redirect("forum:index" if request.user.is_authenticated else "accounts:login")
    return render(request, "registration/confirmation_resend.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetMailForm(request.POST or None, address=throttle.client_address(request))
    if request.method == "POST" and form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            email_template_name="registration/password_reset_email.txt",
        )
        return redirect("accounts:password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


def confirm_email(request, token):
    pk = member_from_confirmation_token(token)
    if pk is None:
        raise Http404(_("That confirmation link is invalid or has expired."))
    updated = User.objects.filter(pk=pk, is_active=True).update(email_confirmed=True)
    pagecache.on_commit_stale(member=pk, lists=True)
    if not updated:
        raise Http404(_("That confirmation link is invalid or has expired."))
    messages.success(request, _("Thank you: your email address is confirmed."))
    return redirect("forum:index")


@login_required
@require_POST
def color_mode_set(request):
    """The footer's colour switch, for members (visitors' choice stays in their browser:
    static/js/theme.js). Back to the page it was pressed on."""
    mode = request.POST.get("color_mode", "")
    if mode in dict(User._meta.get_field("color_mode").choices):
        User.objects.filter(pk=request.user.pk).update(color_mode=mode)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "/"
    return redirect(back)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        # The title, signature, location ... show in their profile and every postbit.
        pagecache.on_commit_stale(member=request.user.pk, lists=True)
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile_edit")
    return render(request, "accounts/profile_edit.html", {"form": form})
