import hashlib

from django import template
from django.urls import reverse
from django.utils.html import format_html

from pictures.actions import AVATAR_PIXELS

register = template.Library()


@register.simple_tag
def avatar(member, size: str = "post"):
    """The member's avatar, or their initials in a coloured circle (CSS, no image request)."""
    if member is None:
        return ""
    shown = AVATAR_PIXELS[size] // 2  # stored at twice the size shown, for sharp screens
    if member.avatar_key:
        return format_html(
            '<img class="avatar avatar-{}" src="{}" width="{}" height="{}" alt="">',
            size,
            reverse("pictures:avatar", args=[member.pk, member.avatar_key, size]),
            shown,
            shown,
        )
    name = str(member)
    letters = "".join(c for c in name if c.isalnum())[:2].upper() or "?"
    hue = hashlib.blake2b(name.encode(), digest_size=1).digest()[0] % 8
    return format_html(
        '<span class="avatar avatar-{} avatar-initials avatar-hue{}" aria-hidden="true">{}</span>',
        size,
        hue,
        letters,
    )
