"""Reading what members upload, safely: the type is decided from the bytes, every image is
decoded and encoded again by Pillow (what is stored is never the bytes sent), metadata (EXIF,
GPS, text chunks, ICC profiles, comments) is dropped, and the pixel count is checked from the
header before anything is decoded, so a decompression bomb costs nothing.

Everything here works on bytes in memory and knows nothing of the database or the storage.
"""

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

# A truncated image is refused, never padded out with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

IMAGE_FORMATS = {
    # Pillow's format: (MIME type, file extension, the extensions a member may give it)
    "JPEG": ("image/jpeg", "jpg", {"jpg", "jpeg", "jpe"}),
    "PNG": ("image/png", "png", {"png"}),
    "WEBP": ("image/webp", "webp", {"webp"}),
    "GIF": ("image/gif", "gif", {"gif"}),
}
OTHER_TYPES = {
    # extension: MIME type. Which of these the board takes is BOARD_ATTACHMENT_OTHER_TYPES.
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
}
MAX_FRAMES = 100  # an animated GIF with more is refused
# Phones save photos as MPO: a JPEG followed by more pictures (depth maps, previews). The
# board keeps the first, as a JPEG.
SAME_AS = {"MPO": "JPEG"}


def format_of(image: Image.Image) -> str | None:
    return SAME_AS.get(image.format, image.format)


def frames_of(image: Image.Image) -> int:
    return getattr(image, "n_frames", 1) if format_of(image) == "GIF" else 1


# Text that a browser ignoring nosniff could take for a page or a picture.
MARKUP_START_RE = re.compile(rb"^\s*<\s*(!doctype|html|head|body|script|svg|\?xml|iframe)", re.I)


class Refused(ValueError):
    """A file the board will not keep; the message says why, for the member."""


@dataclass(frozen=True)
class Prepared:
    """An uploaded file as the board will store it."""

    content: bytes
    name: str  # sanitised, with the extension of the type found in the content
    content_type: str
    is_image: bool
    width: int = 0
    height: int = 0


def safe_name(name: str, extension: str) -> str:
    """A file name that is harmless in a header, a URL and on any disk: letters, digits, `-`,
    `_` and `.` of the name's stem, at most 80 characters, with the given extension."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_.")[:80] or "file"
    return f"{stem}.{extension}"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def prepare(content: bytes, name: str, *, other_types=None) -> Prepared:
    """The upload `content` (sent as `name`) as the board will store it, or Refused."""
    if not content:
        raise refused(_("%(file)s is empty."), name)
    other_types = settings.BOARD_ATTACHMENT_OTHER_TYPES if other_types is None else other_types
    claimed = extension_of(name)
    image_extensions = set().union(*(exts for _, _, exts in IMAGE_FORMATS.values()))
    if claimed in image_extensions or looks_like_image(content):
        return prepare_image(content, name)
    if claimed not in other_types or claimed not in OTHER_TYPES:
        allowed = ", ".join(["JPEG", "PNG", "WebP", "GIF", *(t.upper() for t in other_types)])
        raise Refused(
            _("%(file)s is not a file the board takes (%(allowed)s).")
            % {"file": shown(name), "allowed": allowed}
        )
    if claimed == "pdf" and not content.startswith(b"%PDF-"):
        raise refused(_("%(file)s is not a PDF document."), name)
    if claimed == "txt":
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(
                _("%(file)s is not plain text (UTF-8).") % {"file": shown(name)}
            ) from None
        if "\x00" in text or MARKUP_START_RE.match(content):
            raise refused(_("%(file)s is not plain text."), name)
    return Prepared(content, safe_name(name, claimed), OTHER_TYPES[claimed], is_image=False)


def looks_like_image(content: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(content)) as image:
            return format_of(image) in IMAGE_FORMATS
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return False


def refused(message: str, name: str) -> Refused:
    """The refusal `message` (with %(file)s) about the uploaded file `name`."""
    return Refused(message % {"file": shown(name)})


def shown(name: str) -> str:
    """An uploaded name as a message may show it (the template escapes it)."""
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    return f"“{name[:60]}”" if name else _("The file")


def open_image(
    content: bytes, name: str, *, max_pixels: int | None = None, draft: int | None = None
) -> Image.Image:
    """The image in `content`, fully decoded, or Refused: not an image of the four formats,
    too many pixels (checked from the header before decoding), truncated or corrupt."""
    max_pixels = max_pixels or settings.BOARD_IMAGE_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content))
        except (UnidentifiedImageError, Image.DecompressionBombWarning):
            raise Refused(
                _("%(file)s is not a JPEG, PNG, WebP or GIF image.") % {"file": shown(name)}
            ) from None
        except Image.DecompressionBombError:
            raise Refused(
                _("%(file)s is too large: it has far too many pixels.") % {"file": shown(name)}
            ) from None
        except (OSError, ValueError):
            raise Refused(
                _("%(file)s cannot be read as an image.") % {"file": shown(name)}
            ) from None
        if format_of(image) not in IMAGE_FORMATS:
            raise Refused(
                _("%(file)s is not a JPEG, PNG, WebP or GIF image.") % {"file": shown(name)}
            )
        frames = frames_of(image)
        if image.width * image.height * frames > max_pixels or frames > MAX_FRAMES:
            megapixels = max_pixels / 1_000_000
            sent = f"{image.width} × {image.height}"
            if frames > 1:
                sent += " × " + ngettext("%(count)d frame", "%(count)d frames", frames) % {
                    "count": frames
                }
            raise Refused(
                _("%(file)s is too large: at most %(most)s million pixels (%(sent)s were sent).")
                % {"file": shown(name), "most": f"{megapixels:g}", "sent": sent}
            )
        if draft and format_of(image) == "JPEG":
            # A JPEG decodes at 1/2, 1/4 or 1/8 scale when that still covers `draft`.
            image.draft("RGB", (draft, draft))
        try:
            image.load()
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise refused(_("%(file)s is damaged or incomplete."), name) from None
    return image


def prepare_image(content: bytes, name: str) -> Prepared:
    image = open_image(content, name)
    mime, extension, _extensions = IMAGE_FORMATS[format_of(image)]
    stored = reencode(image)
    with Image.open(io.BytesIO(stored)) as written:  # upright now: its own size, not the sent
        width, height = written.size
    return Prepared(
        stored, safe_name(name, extension), mime, is_image=True, width=width, height=height
    )


def reencode(image: Image.Image) -> bytes:
    """The image's pixels in its own format again, with no metadata at all."""
    out = io.BytesIO()
    kind = format_of(image)
    if kind == "GIF" and frames_of(image) > 1:
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
        frames[0].save(
            out,
            "GIF",
            save_all=True,
            append_images=frames[1:],
            loop=image.info.get("loop", 0),
            duration=image.info.get("duration", 100),
        )
        return out.getvalue()
    if kind == "JPEG":
        # The camera's rotation applied to the pixels, as the EXIF tag that said it goes.
        upright = ImageOps.exif_transpose(image)
        clean(upright.convert("RGB") if upright.mode not in ("RGB", "L") else upright).save(
            out, "JPEG", quality=88, optimize=True
        )
    elif kind == "PNG":
        clean(image).save(out, "PNG", optimize=True)
    elif kind == "WEBP":
        clean(image).save(out, "WEBP", quality=88)
    else:
        clean(image).save(out, "GIF")
    return out.getvalue()


def clean(image: Image.Image) -> Image.Image:
    """A copy of the pixels (and palette, and which colour is transparent) with none of the
    metadata: encoders read EXIF, ICC profiles and text chunks from `info`, which is emptied."""
    copy = image.copy()
    kept = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    copy.info = kept
    return copy


def thumbnail(content: bytes, longest: int) -> tuple[bytes, int, int]:
    """A WebP of the stored image `content` fitting in `longest` × `longest`."""
    image = open_image(
        content, "thumbnail", max_pixels=settings.BOARD_IMAGE_MAX_PIXELS * 4, draft=longest
    )
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if has_alpha(image) else "RGB")
    image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80, method=4)
    return out.getvalue(), image.width, image.height


def thumbnail_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """The size `thumbnail` will give an image of `width` × `height` (never larger)."""
    if max(width, height) <= longest:
        return width, height
    if width >= height:
        return longest, max(1, round(height * longest / width))
    return max(1, round(width * longest / height)), longest


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


CROP_PLACES = {"centre": 0.5, "start": 0.0, "end": 1.0}


def square_crops(content: bytes, name: str, sizes, *, place: str = "centre") -> dict[int, bytes]:
    """WebP squares of the image, one per size in `sizes`: the largest square of the picture,
    at its centre or, with place "start"/"end", at its top or left / bottom or right."""
    image = ImageOps.exif_transpose(open_image(content, name, draft=max(sizes)))
    image = image.convert("RGBA" if has_alpha(image) else "RGB")
    side = min(image.size)
    where = CROP_PLACES.get(place, 0.5)
    left = round((image.width - side) * where)
    top = round((image.height - side) * where)
    square = image.crop((left, top, left + side, top + side))
    crops = {}
    for size in sizes:
        out = io.BytesIO()
        square.resize((size, size), Image.Resampling.LANCZOS).save(out, "WEBP", quality=85)
        crops[size] = out.getvalue()
    return crops
