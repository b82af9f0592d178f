"""A post's attachments in its stored HTML: [ATTACH]n[/ATTACH] becomes the nth attachment in
place, and those not placed show under the message, as thumbnails (images) and a list (other
files). Written with the post's HTML (Post.body_html), so a thread page shows them with no query
of its own and the shared postbit fragment holds them."""

from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join

from forum.markup import ATTACH_RE
from pictures.images import thumbnail_size
from pictures.models import THUMBNAIL_PIXELS


def figure(attachment) -> str:
    if not attachment.is_image:
        return format_html(
            '<a class="attachment-file" href="{}" download>{}</a> <span class="small '
            'text-body-secondary">({})</span>',
            attachment.get_absolute_url(),
            attachment.name,
            filesizeformat(attachment.size),
        )
    width, height = thumbnail_size(attachment.width, attachment.height, THUMBNAIL_PIXELS)
    return format_html(
        '<a class="attachment-image" href="{}"><img src="{}" width="{}" height="{}" alt="{}" '
        'loading="lazy"></a>',
        attachment.get_absolute_url(),
        attachment.thumbnail_url(),
        width,
        height,
        attachment.name,
    )


def with_attachments(body_html: str, attachments) -> str:
    """`body_html` (from render_bbcode) with the attachments placed and listed."""
    by_position = {a.position: a for a in attachments}
    placed = set()

    def place(match):
        attachment = by_position.get(int(match.group(1)))
        if attachment is None:
            return match.group(0)
        placed.add(attachment.position)
        return figure(attachment)

    html = ATTACH_RE.sub(place, body_html)
    rest = [a for a in by_position.values() if a.position not in placed]
    images = [a for a in rest if a.is_image]
    files = [a for a in rest if not a.is_image]
    if not rest:
        return html
    parts = [html, '<div class="attachments">']
    if images:
        parts.append(
            format_html(
                '<div class="attachment-thumbnails">{}</div>',
                format_html_join("", "{}", ((figure(a),) for a in images)),
            )
        )
    if files:
        # Stored in English: forum.markup.in_reader_language translates it when shown.
        parts.append(
            format_html(
                '<p class="mb-1 small">Attached files:</p><ul class="attachment-files">{}</ul>',
                format_html_join("", "<li>{}</li>", ((figure(a),) for a in files)),
            )
        )
    parts.append("</div>")
    return "".join(parts)
