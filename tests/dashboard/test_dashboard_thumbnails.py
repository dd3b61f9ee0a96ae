"""Chart thumbnails: real small WebP images made with Pillow, once per chart, served with an
immutable cache header (in-process on SQLite and PostgreSQL), and the Pillow step on its own."""

from __future__ import annotations

import io

import pytest
from dashboard_support import CHART_SIZE, AppFactory, chart, post
from PIL import Image

from coachplans.dashboard.state import Dashboard
from coachplans.dashboard.thumbnails import BOX, make_thumbnail
from coachplans.errors import ValidationFailed


@pytest.mark.postgres
async def test_thumbnail_is_a_small_webp_made_once_and_cached_forever(
    make_app: AppFactory,
) -> None:
    app, client, service = await make_app()
    plan = post(service, "d", "Chart attached $NVDA", charts=[chart(4)])
    sha = plan.charts[0].sha256
    original = await client.get(f"/api/v1/charts/{sha}.png")

    first = await client.get(f"/dashboard/thumbs/v1/{sha}.webp")
    second = await client.get(f"/dashboard/thumbs/v1/{sha}.webp")

    assert first.status_code == 200 and first.headers["content-type"] == "image/webp"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert len(first.content) < len(original.content) / 2
    image = Image.open(io.BytesIO(first.content))
    assert image.format == "WEBP"
    assert image.width == BOX[0] and image.height == round(BOX[0] * CHART_SIZE[1] / CHART_SIZE[0])
    dashboard: Dashboard = app.state.dashboard
    assert second.content == first.content and dashboard.thumbnails.builds == 1
    again = await client.get(
        f"/dashboard/thumbs/v1/{sha}.webp", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.postgres
async def test_thumbnail_requests_are_checked(make_app: AppFactory) -> None:
    _, client, _ = await make_app()
    missing = await client.get(f"/dashboard/thumbs/v1/{'ab' * 32}.webp")
    assert missing.status_code == 404 and "not found" in missing.json()["message"]
    for name in ["../../etc/passwd", "ABC.webp", f"{'ab' * 32}.png"]:
        response = await client.get(f"/dashboard/thumbs/v1/{name}")
        assert response.status_code in (400, 404), name
        assert response.status_code != 200


def test_make_thumbnail_keeps_the_aspect_ratio_and_alpha() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (1000, 2000), (10, 200, 30, 128)).save(out, "PNG")
    thumb = Image.open(io.BytesIO(make_thumbnail(out.getvalue())))
    assert thumb.size == (100, 200) and thumb.mode == "RGBA"


def test_make_thumbnail_of_a_gif_and_a_tiny_image() -> None:
    out = io.BytesIO()
    Image.new("P", (40, 30)).save(out, "GIF")
    thumb = Image.open(io.BytesIO(make_thumbnail(out.getvalue())))
    assert thumb.size == (40, 30)  # never scaled up


def test_make_thumbnail_refuses_what_is_not_an_image() -> None:
    with pytest.raises(ValidationFailed, match="cannot be read"):
        make_thumbnail(b"%PDF-1.7 not an image")
