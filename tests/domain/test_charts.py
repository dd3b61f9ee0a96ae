"""Chart validation: magic bytes decide, not names; size limits; SHA-256 identity."""

from __future__ import annotations

import hashlib

import pytest

from coachplans.domain.charts import (
    ChartUpload,
    extension_for,
    is_sha256,
    sniff_image_type,
    validate_chart,
)
from coachplans.errors import ValidationFailed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
GIF87 = b"GIF87a" + b"\x01\x00\x01\x00" + b"\x00" * 16
GIF89 = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 16
WEBP = b"RIFF" + (24).to_bytes(4, "little") + b"WEBPVP8 " + b"\x00" * 16
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
LIMIT = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (PNG, "image/png", "png"),
        (JPEG, "image/jpeg", "jpg"),
        (GIF87, "image/gif", "gif"),
        (GIF89, "image/gif", "gif"),
        (WEBP, "image/webp", "webp"),
    ],
)
def test_images_are_recognised_by_magic_bytes(
    data: bytes, content_type: str, extension: str
) -> None:
    assert sniff_image_type(data) == content_type
    assert extension_for(content_type) == extension
    # The name says nothing: a PNG called chart.pdf is still a PNG.
    blob = validate_chart(ChartUpload(data, "chart.pdf", "https://cdn.example/x"), LIMIT)
    assert blob.content_type == content_type
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    assert blob.data == data
    assert blob.filename == "chart.pdf"
    assert blob.source_url == "https://cdn.example/x"


@pytest.mark.parametrize(
    "data",
    [
        PDF,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"BM" + b"\x00" * 40,  # BMP
        b"II*\x00" + b"\x00" * 40,  # TIFF
        b"RIFF\x00\x00\x00\x00WAVEfmt ",  # RIFF but not WEBP
        b"RIFF\x00\x00\x00\x00WEB",  # truncated WEBP header
        b"\x89PNG\r\n",  # truncated PNG signature
        b"\xff\xd8",  # truncated JPEG
        b"GIF88a" + b"\x00" * 10,
        b"hello world",
    ],
)
def test_non_images_are_not_sniffed(data: bytes) -> None:
    assert sniff_image_type(data) is None


def test_pdf_renamed_png_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_chart(ChartUpload(PDF, "chart.png"), LIMIT)
    assert str(caught.value) == "Chart 'chart.png' is not a PNG, JPEG, GIF or WEBP image"


def test_empty_chart_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_chart(ChartUpload(b"", "empty.png"), LIMIT)
    assert str(caught.value) == "Chart 'empty.png' is empty"


def test_unnamed_chart_is_called_attachment() -> None:
    with pytest.raises(ValidationFailed, match=r"^Chart 'attachment' is empty$"):
        validate_chart(ChartUpload(b""), LIMIT)


def test_oversize_chart_is_rejected() -> None:
    data = PNG + b"\x00" * (LIMIT - len(PNG) + 1)
    assert len(data) == LIMIT + 1
    with pytest.raises(ValidationFailed) as caught:
        validate_chart(ChartUpload(data, "big.png"), LIMIT)
    assert str(caught.value) == f"Chart 'big.png' is {LIMIT + 1} bytes; the limit is {LIMIT} bytes"


def test_chart_exactly_at_the_limit_is_accepted() -> None:
    data = PNG + b"\x00" * (1000 - len(PNG))
    assert validate_chart(ChartUpload(data, "edge.png"), 1000).size == 1000
    with pytest.raises(ValidationFailed, match="limit is 999 bytes"):
        validate_chart(ChartUpload(data, "edge.png"), 999)


def test_same_bytes_same_digest_different_bytes_different_digest() -> None:
    a = validate_chart(ChartUpload(PNG, "a.png"), LIMIT)
    b = validate_chart(ChartUpload(PNG, "b.png"), LIMIT)
    c = validate_chart(ChartUpload(PNG + b"\x01", "c.png"), LIMIT)
    assert a.sha256 == b.sha256 != c.sha256
    assert is_sha256(a.sha256)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a" * 64, True),
        ("0123456789abcdef" * 4, True),
        ("A" * 64, False),
        ("a" * 63, False),
        ("a" * 65, False),
        ("g" * 64, False),
        ("../" + "a" * 61, False),
        ("", False),
    ],
)
def test_is_sha256(value: str, expected: bool) -> None:
    assert is_sha256(value) is expected


def test_unknown_content_type_extension() -> None:
    assert extension_for("application/pdf") == "bin"
