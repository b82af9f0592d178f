"""What the board keeps of an uploaded file: images decoded and written again by Pillow, with
no metadata, the type found from the bytes, the name made safe; unsafe files refused."""

import io

import pytest
from PIL import Image, PngImagePlugin

from pictures.images import Refused, prepare, safe_name, square_crops, thumbnail


def reopened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def test_a_png_with_a_script_in_its_metadata_is_stored_without_it(make_image):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(document.cookie)</script>")
    info.add_itxt("XML:com.adobe.xmp", "<svg onload=alert(1)>")
    sent = make_image("PNG", pnginfo=info)
    assert b"<script>" in sent
    prepared = prepare(sent, "progress.png")
    assert b"script" not in prepared.content and b"onload" not in prepared.content
    assert reopened(prepared.content).info.get("Comment") is None
    assert prepared.content_type == "image/png" and prepared.is_image


def test_what_is_stored_of_an_image_is_never_the_bytes_sent(make_image):
    sent = make_image("JPEG", quality=95)
    assert prepare(sent, "a.jpg").content != sent


def test_exif_and_gps_of_a_photo_are_dropped_and_its_rotation_applied(make_image):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90° clockwise
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    sent = make_image("JPEG", size=(60, 40), exif=exif.tobytes())
    assert b"PhoneMaker" in sent
    prepared = prepare(sent, "squat.jpg")
    stored = reopened(prepared.content)
    assert b"PhoneMaker" not in prepared.content
    assert not stored.getexif() and "exif" not in stored.info
    assert stored.size == (40, 60) == (prepared.width, prepared.height)


def test_an_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
    with pytest.raises(Refused, match="is not a file the board takes"):
        prepare(svg, "logo.svg")


def test_an_html_file_renamed_jpg_is_refused():
    with pytest.raises(Refused, match="is not a JPEG, PNG, WebP or GIF image"):
        prepare(b"<html><script>alert(1)</script></html>", "photo.jpg")


def test_html_sent_as_text_is_refused():
    with pytest.raises(Refused, match="is not plain text"):
        prepare(b"<!DOCTYPE html><html><script>alert(1)</script>", "notes.txt")


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # 20,000 × 20,000 pixels of one colour: a few kilobytes that would take 400 MB decoded.
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    with pytest.raises(Refused, match="“bomb.png” is too large"):
        prepare(out.getvalue(), "bomb.png")


def test_an_image_past_the_configured_pixel_count_is_refused(settings, make_image):
    settings.BOARD_IMAGE_MAX_PIXELS = 1000
    with pytest.raises(Refused, match=r"at most 0.001 million pixels \(64 × 48 were sent\)"):
        prepare(make_image("PNG"), "big.png")


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "GIF", "WEBP"])
def test_a_truncated_image_is_refused(make_image, kind):
    noisy = Image.effect_noise((200, 200), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, kind)
    with pytest.raises(Refused, match="damaged or incomplete|cannot be read|is not a JPEG"):
        prepare(out.getvalue()[: len(out.getvalue()) // 2], f"half.{kind.lower()}")


def test_an_empty_file_is_refused():
    with pytest.raises(Refused, match="“empty.jpg” is empty"):
        prepare(b"", "empty.jpg")


def test_the_type_is_decided_from_the_content_not_the_name(make_image):
    prepared = prepare(make_image("PNG"), "holiday.txt")
    assert (prepared.name, prepared.content_type) == ("holiday.png", "image/png")


def test_a_pdf_without_a_pdf_inside_is_refused():
    with pytest.raises(Refused, match="is not a PDF document"):
        prepare(b"MZ\x90\x00 a program", "plan.pdf")


def test_other_types_are_taken_only_when_configured(settings):
    settings.BOARD_ATTACHMENT_OTHER_TYPES = ["pdf"]
    with pytest.raises(Refused, match=r"\(JPEG, PNG, WebP, GIF, PDF\)"):
        prepare(b"Monday: squats", "plan.txt")
    assert prepare(b"%PDF-1.7 ...", "plan.pdf").content_type == "application/pdf"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ('"; filename=evil.html.txt', "filename-evil-html.txt"),
        ("Übungsplan Woche 1.txt", "Ubungsplan-Woche-1.txt"),
        ("C:\\Users\\me\\notes.TXT", "notes.txt"),
        ("\u202etxt.exe", "txt.txt"),
        (".txt", "file.txt"),
        ("a" * 300 + ".txt", "a" * 80 + ".txt"),
    ],
)
def test_file_names_are_made_safe(sent, kept):
    assert safe_name(sent, "txt") == kept


def test_an_animated_gif_keeps_its_frames(make_image):
    frames = [Image.new("RGB", (20, 20), (80 * n, 0, 0)) for n in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    stored = reopened(prepare(out.getvalue(), "lift.gif").content)
    assert stored.n_frames == 3


def test_thumbnails_fit_the_box_and_avatars_are_squares_of_the_chosen_part(make_image):
    data, width, height = thumbnail(make_image("PNG", size=(1000, 500)), 400)
    assert (width, height) == (400, 200) and reopened(data).format == "WEBP"
    left_red = Image.new("RGB", (300, 100), (0, 0, 255))
    left_red.paste((255, 0, 0), (0, 0, 100, 100))
    out = io.BytesIO()
    left_red.save(out, "PNG")
    crops = square_crops(out.getvalue(), "me.png", [64], place="start")
    pixel = reopened(crops[64]).convert("RGB").getpixel((32, 32))
    assert pixel[0] > 200 and pixel[2] < 50  # the left square, red
    centre = reopened(square_crops(out.getvalue(), "me.png", [64])[64]).convert("RGB")
    assert centre.getpixel((32, 32))[2] > 200 and centre.size == (64, 64)


def test_a_phone_photo_saved_as_mpo_is_kept_as_its_first_picture_in_a_jpeg(make_image):
    first = Image.new("RGB", (40, 30), (250, 0, 0))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 30), (0, 0, 250))])
    assert reopened(out.getvalue()).format == "MPO"
    prepared = prepare(out.getvalue(), "IMG_0001.JPG")
    stored = reopened(prepared.content)
    assert (stored.format, prepared.name, stored.size) == ("JPEG", "IMG_0001.jpg", (40, 30))
    assert stored.getpixel((20, 15))[0] > 200


def test_a_gif_with_more_frames_than_the_limit_is_refused():
    frames = [Image.new("RGB", (4, 4), (n % 256, 0, 0)) for n in range(101)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(Refused, match=r"× 101 frames were sent"):
        prepare(out.getvalue(), "flicker.gif")
