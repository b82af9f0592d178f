"""Text set in the admin goes through the board's own rules (accounts.validators): every text
field of every admin page, walked from the admin site itself, so a field added later is
covered too."""

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

from accounts.models import User
from accounts.validators import TextRulesAdmin, validate_single_line, validate_text
from forum.models import Category, Forum, Thread

# Lone surrogates cannot travel in a form post (Django decodes the body as UTF-8, replacing
# what is invalid); tests/accounts/test_usernames.py checks the rule refuses them.
HOSTILE = {
    "NUL": "Bad\x00name",
    "bell": "Bad\x07name",
    "C1 control": "Bad\x9bname",
    "noncharacter": "Bad\uffffname",
    "line separator": "Bad\u2028name",
    "next line": "Bad\x85name",
    "newline": "Bad\nname",
}


def admin_classes():
    for model, model_admin in admin.site._registry.items():
        yield model, model_admin
        for inline in model_admin.inlines:
            yield inline.model, inline(model, admin.site)


def writes(model_admin, request) -> bool:
    """Whether a superuser can set anything through it (read-only pages, such as the task
    results django-tasks-db registers, cannot)."""
    if hasattr(model_admin, "fk_name"):  # an inline
        return model_admin.has_add_permission(request, None) or (
            model_admin.has_change_permission(request)
        )
    return model_admin.has_add_permission(request) or model_admin.has_change_permission(request)


@pytest.fixture
def superuser_request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request


def test_every_admin_page_and_inline_that_writes_applies_the_text_rules(superuser_request):
    unruled = [
        type(model_admin).__name__
        for _, model_admin in admin_classes()
        if writes(model_admin, superuser_request) and not isinstance(model_admin, TextRulesAdmin)
    ]
    assert unruled == []


def forms_of(model, model_admin, request):
    """The forms an admin page shows: an inline's, or a page's add and change forms."""
    if hasattr(model_admin, "fk_name"):
        return [model_admin.get_formset(request).form]
    return [
        model_admin.get_form(request, None),
        model_admin.get_form(request, model(), change=True),
    ]


def test_every_text_field_a_superuser_can_set_carries_its_rule(superuser_request):
    checked = set()
    for model, model_admin in admin_classes():
        if not writes(model_admin, superuser_request):
            continue
        for form in forms_of(model, model_admin, superuser_request):
            for name, formfield in form.base_fields.items():
                if name in form.declared_fields:
                    continue  # not made from the model field: the hashed password's display
                try:
                    db_field = model._meta.get_field(name)
                except Exception:
                    continue  # a form-only field (passwords, confirmations)
                if isinstance(db_field, models.CharField):
                    assert validate_single_line in formfield.validators, (model, name)
                elif isinstance(db_field, models.TextField):
                    assert validate_text in formfield.validators, (model, name)
                else:
                    continue
                checked.add(f"{model._meta.model_name}.{name}")
    # The walk really reached the fields the issue named.
    assert {
        "thread.title",
        "forum.name",
        "forum.description",
        "category.name",
        "user.username",
        "user.user_title",
        "user.signature",
        "user.location",
        "ban.reason",
        "group.name",
    } <= checked


@pytest.fixture
def pages(thread, forum, member):
    """(change url, the fields to post, the field to spoil, how to read it back)."""
    thread_fields = {"title": thread.title}
    forum_fields = {
        "category": forum.category_id,
        "name": forum.name,
        "slug": forum.slug,
        "description": "",
        "position": 0,
    }
    member_fields = {
        "username": member.username,
        "email": member.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "user_title": "",
        "location": "",
        "signature": "",
        "time_zone": "",
    }
    category = forum.category
    return [
        (f"/admin/forum/thread/{thread.pk}/change/", thread_fields, "title", Thread, thread.pk),
        (f"/admin/forum/forum/{forum.pk}/change/", forum_fields, "name", Forum, forum.pk),
        (f"/admin/forum/forum/{forum.pk}/change/", forum_fields, "description", Forum, forum.pk),
        (
            f"/admin/forum/category/{category.pk}/change/",
            {"name": category.name, "slug": category.slug, "position": 0},
            "name",
            Category,
            category.pk,
        ),
        (f"/admin/accounts/user/{member.pk}/change/", member_fields, "user_title", User, member.pk),
        (f"/admin/accounts/user/{member.pk}/change/", member_fields, "location", User, member.pk),
        (f"/admin/accounts/user/{member.pk}/change/", member_fields, "username", User, member.pk),
    ]


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_text_posted_in_the_admin_is_refused_with_a_form_error(
    client, superuser, pages, kind
):
    client.force_login(superuser)
    for url, fields, spoilt, model, pk in pages:
        before = getattr(model.objects.get(pk=pk), spoilt)
        response = client.post(url, {**fields, spoilt: HOSTILE[kind]})
        assert response.status_code == 200, (url, spoilt)
        assert "errorlist" in response.text, (url, spoilt)
        assert getattr(model.objects.get(pk=pk), spoilt) == before


def test_a_signature_set_in_the_admin_keeps_the_boards_length_limit(client, superuser, member):
    client.force_login(superuser)
    response = client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {
            "username": member.username,
            "email": member.email,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "signature": "s" * 501,
        },
    )
    assert response.status_code == 200 and "errorlist" in response.text
    member.refresh_from_db()
    assert member.signature == ""


def test_a_ban_reason_typed_in_the_admin_follows_the_rules(client, superuser, member):
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/ban/add/", {"member": member.pk, "reason": "Spam\x00 and \x1b[31m"}
    )
    assert response.status_code == 200 and "errorlist" in response.text
    member.refresh_from_db()
    assert not member.is_banned
