"""Chart images: recognised by magic bytes, addressed by SHA-256."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from coachplans.domain.storable import check_optional
from coachplans.errors import ValidationFailed

MAX_CHARTS = 10
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def sniff_image_type(data: bytes) -> str | None:
    """The image content type from the leading bytes, or None when it is not one we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def extension_for(content_type: str) -> str:
    return _EXTENSIONS.get(content_type, "bin")


def is_sha256(value: str) -> bool:
    return bool(_SHA256.match(value))


@dataclass(frozen=True, slots=True)
class ChartUpload:
    """Bytes of one chart as received, before it is stored."""

    data: bytes
    filename: str | None = None
    source_url: str | None = None


@dataclass(frozen=True, slots=True)
class ChartBlob:
    """A validated chart: content type from its bytes, digest as its identity."""

    sha256: str
    content_type: str
    data: bytes
    filename: str | None
    source_url: str | None

    @property
    def size(self) -> int:
        return len(self.data)


def validate_chart(upload: ChartUpload, max_bytes: int) -> ChartBlob:
    """Check size and magic bytes; raise ValidationFailed naming the file otherwise."""
    check_optional(upload.filename, "Chart filename")
    check_optional(upload.source_url, "Chart URL")
    name = upload.filename or "attachment"
    if len(upload.data) == 0:
        raise ValidationFailed(f"Chart '{name}' is empty")
    if len(upload.data) > max_bytes:
        raise ValidationFailed(
            f"Chart '{name}' is {len(upload.data)} bytes; the limit is {max_bytes} bytes"
        )
    content_type = sniff_image_type(upload.data)
    if content_type is None:
        raise ValidationFailed(f"Chart '{name}' is not a PNG, JPEG, GIF or WEBP image")
    digest = hashlib.sha256(upload.data).hexdigest()
    return ChartBlob(digest, content_type, upload.data, upload.filename, upload.source_url)
