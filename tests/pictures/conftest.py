import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(kind: str = "JPEG", size=(64, 48), color=(200, 30, 30), mode="RGB", **save):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, kind, **save)
    return out.getvalue()


@pytest.fixture
def make_image():
    """make_image(kind="JPEG", size=(64, 48), ...): the bytes of a small image Pillow made."""
    return image_bytes


@pytest.fixture
def upload():
    """upload(name, content=None): a file as the test client sends it (a JPEG if no content)."""

    def make(name: str, content: bytes | None = None):
        return SimpleUploadedFile(name, image_bytes() if content is None else content)

    return make
