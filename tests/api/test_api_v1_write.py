"""v1 writes (SPEC §6.2, §6.3): bearer tokens, create/replace, edit with If-Match, delete,
restore, and the pollable event list."""

from __future__ import annotations

import base64
import hashlib

import httpx
from api_support import AUTH, DAY, DAY_TEXT, AppFactory, each, make_png, seed

from coachplans.service import PlanService

EVENT_FIELDS = {"id", "type", "plan_id", "coach", "date", "revision", "created_at"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def create(
    client: httpx.AsyncClient, text: str = "Long $SPY over 580", coach: str = "d", **extra: object
) -> httpx.Response:
    body = {"coach": coach, "date": DAY_TEXT, "text": text, **extra}
    return await client.post("/api/v1/plans", json=body, headers=AUTH)


async def test_create_201_then_replace_200(client: httpx.AsyncClient, service: PlanService) -> None:
    chart = make_png(31)
    created = await create(
        client, "first", charts=[{"filename": "spy.png", "data_base64": b64(chart)}], channel="api"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["text"] == "first"
    assert body["author"] == "writer"
    assert body["channel"] == "api"
    assert body["version"] == 1 and body["revision_count"] == 1
    assert body["charts"][0]["sha256"] == hashlib.sha256(chart).hexdigest()
    assert body["charts"][0]["filename"] == "spy.png"
    assert created.headers["location"] == f"/api/v1/plans/{body['id']}"
    assert created.headers["etag"]

    replaced = await create(client, "second")
    assert replaced.status_code == 200
    assert replaced.json()["id"] == body["id"]
    assert replaced.json()["text"] == "second"
    assert replaced.json()["charts"] == []  # a re-post replaces text and charts
    assert replaced.json()["created_at"] == body["created_at"]
    assert replaced.json()["edited_at"] is not None
    assert replaced.headers["etag"] != created.headers["etag"]
    stored = service.get_plan("d", DAY)
    assert stored is not None and stored.text == "second" and stored.author == "writer"


async def test_create_defaults_to_today(client: httpx.AsyncClient, service: PlanService) -> None:
    response = await client.post(
        "/api/v1/plans", json={"coach": " Coach_N ", "text": "today"}, headers=AUTH
    )
    assert response.status_code == 201
    assert response.json()["date"] == service.today().isoformat()
    assert response.json()["coach"] == "coach_n"


async def test_actor_is_the_token_name(client: httpx.AsyncClient) -> None:
    created = (await create(client)).json()
    revisions = (await client.get(f"/api/v1/plans/{created['id']}/revisions")).json()
    assert revisions["revisions"][0]["actor"] == "writer"
    assert revisions["revisions"][0]["source"] == "api"
    assert revisions["revisions"][0]["actor_id"] is None


async def test_actor_with_several_tokens(make_client: AppFactory) -> None:
    _, http, _ = await make_client(api={"tokens": "alice:alice-secret,bob:bob-secret-2"})
    response = await http.post(
        "/api/v1/plans",
        json={"coach": "i", "date": DAY_TEXT, "text": "by bob"},
        headers={"Authorization": "Bearer bob-secret-2"},
    )
    assert response.status_code == 201
    assert response.json()["author"] == "bob"
    edit = await http.patch(
        f"/api/v1/plans/{response.json()['id']}",
        json={"text": "by alice"},
        headers={"Authorization": "bearer alice-secret"},
    )
    assert edit.status_code == 200
    history = (await http.get(f"/api/coach-plans/history?coach=i&date={DAY_TEXT}")).json()
    assert history["history"][0]["edited_by"] == "alice"


BAD_CREDENTIALS = [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": "Bearer s3cret-token-and-more"},
    {"Authorization": "Bearer s3cret-toke"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic czNjcmV0LXRva2Vu"},
    {"Authorization": "s3cret-token"},
    {"Authorization": "Bearer writer:s3cret-token"},
    {"Authorization": "Bearer writer"},
]


async def test_writes_require_the_bearer_token(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    plan = seed(service, "d", "untouched")
    before = service.outbox.last_id()

    async def check(headers: dict[str, str]) -> None:
        attempts = [
            client.post(
                "/api/v1/plans",
                json={"coach": "d", "date": DAY_TEXT, "text": "hijack"},
                headers=headers,
            ),
            client.patch(f"/api/v1/plans/{plan.id}", json={"text": "hijack"}, headers=headers),
            client.delete(f"/api/v1/plans/{plan.id}", headers=headers),
            client.post(f"/api/v1/plans/{plan.id}/restore", headers=headers),
        ]
        for attempt in attempts:
            response = await attempt
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
            body = response.json()
            assert body["error"] == "Unauthorized"
            assert "token" in body["message"].lower()
            assert "s3cret" not in response.text

    await each(BAD_CREDENTIALS, check)
    assert service.outbox.last_id() == before
    stored = service.get_plan("d", DAY)
    assert stored is not None and stored.text == "untouched" and stored.version == 1


async def test_missing_token_message(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/plans", json={"coach": "d", "text": "x"})
    assert response.json() == {"error": "Unauthorized", "message": "Missing bearer token"}
    wrong = await client.post(
        "/api/v1/plans", json={"coach": "d", "text": "x"}, headers={"Authorization": "Bearer no"}
    )
    assert wrong.json() == {"error": "Unauthorized", "message": "Invalid bearer token"}


async def test_writes_disabled_without_tokens(make_client: AppFactory) -> None:
    _, http, service = await make_client(api={"tokens": ""})
    response = await http.post(
        "/api/v1/plans", json={"coach": "d", "text": "x"}, headers={"Authorization": "Bearer x"}
    )
    assert response.status_code == 401
    assert "API_TOKENS" in response.json()["message"]
    assert service.outbox.last_id() == 0


async def test_reads_may_require_a_token(make_client: AppFactory) -> None:
    _, http, _ = await make_client(api={"require_read_token": True})
    assert (await http.get(f"/api/coach-plans/all?date={DAY_TEXT}")).status_code == 401
    assert (await http.get("/api/v1/plans")).status_code == 401
    ok = await http.get(f"/api/coach-plans/all?date={DAY_TEXT}", headers=AUTH)
    assert ok.status_code == 200
    assert (await http.get("/health")).status_code == 200


# --- edit with If-Match --------------------------------------------------------------------


async def test_patch_with_matching_etag(client: httpx.AsyncClient) -> None:
    created = await create(client, "v1 text")
    plan_id, etag = created.json()["id"], created.headers["etag"]
    fetched = await client.get(f"/api/v1/plans/{plan_id}")
    assert fetched.headers["etag"] == etag
    edited = await client.patch(
        f"/api/v1/plans/{plan_id}", json={"text": "v2 text"}, headers={**AUTH, "If-Match": etag}
    )
    assert edited.status_code == 200
    assert edited.json()["text"] == "v2 text"
    assert edited.json()["charts"] == []
    new_etag = edited.headers["etag"]
    assert new_etag != etag
    assert (await client.get(f"/api/v1/plans/{plan_id}")).headers["etag"] == new_etag
    weak = await client.patch(
        f"/api/v1/plans/{plan_id}",
        json={"text": "v3 text"},
        headers={**AUTH, "If-Match": f"W/{new_etag}"},
    )
    assert weak.status_code == 200
    star = await client.patch(
        f"/api/v1/plans/{plan_id}", json={"text": "v4 text"}, headers={**AUTH, "If-Match": "*"}
    )
    assert star.status_code == 200


async def test_patch_keeps_charts(client: httpx.AsyncClient) -> None:
    chart = make_png(41)
    created = await create(client, charts=[{"data_base64": b64(chart)}])
    edited = await client.patch(
        f"/api/v1/plans/{created.json()['id']}", json={"text": "new words"}, headers=AUTH
    )
    assert [c["sha256"] for c in edited.json()["charts"]] == [hashlib.sha256(chart).hexdigest()]


async def test_patch_with_stale_etag_412(client: httpx.AsyncClient, service: PlanService) -> None:
    created = await create(client, "original")
    plan_id, stale = created.json()["id"], created.headers["etag"]
    newer = await client.patch(f"/api/v1/plans/{plan_id}", json={"text": "newer"}, headers=AUTH)
    assert newer.status_code == 200
    before = service.outbox.last_id()
    response = await client.patch(
        f"/api/v1/plans/{plan_id}",
        json={"text": "lost update"},
        headers={**AUTH, "If-Match": stale},
    )
    assert response.status_code == 412
    assert response.json()["error"] == "Precondition Failed"
    assert response.json()["message"]
    assert (await client.get(f"/api/v1/plans/{plan_id}")).json()["text"] == "newer"
    assert service.outbox.last_id() == before


MALFORMED_IF_MATCH = [
    "garbage",
    '"plan-999-v1"',
    '"plan-1-v"',
    '"plan-1-vx"',
    '"plan-1-v\u00b2"',
    '"plan-1-v' + "9" * 5000 + '"',
    '"plan-1-v-1"',
]


async def test_patch_with_malformed_if_match_400(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    plan = seed(service, "d", "as it was")
    assert plan.id == 1

    async def check(if_match: str) -> None:
        for method, url in (("PATCH", "/api/v1/plans/1"), ("DELETE", "/api/v1/plans/1")):
            response = await client.request(
                method,
                url,
                json={"text": "changed"} if method == "PATCH" else None,
                headers=[
                    (b"Authorization", AUTH["Authorization"].encode()),
                    (b"If-Match", if_match.encode("latin-1")),
                ],
            )
            assert response.status_code == 400, (method, response.status_code)
            body = response.json()
            assert body["error"] == "Bad Request" and "If-Match" in body["message"]

    await each(MALFORMED_IF_MATCH, check)
    stored = service.get_plan("d", DAY)
    assert stored is not None and stored.text == "as it was" and stored.version == 1


async def test_patch_errors(client: httpx.AsyncClient, service: PlanService) -> None:
    plan = seed(service, "d", "here")
    assert (await client.patch("/api/v1/plans/999", json={"text": "x"}, headers=AUTH)).json() == {
        "error": "Not Found",
        "message": "Plan not found",
    }
    same = await client.patch(f"/api/v1/plans/{plan.id}", json={"text": " here "}, headers=AUTH)
    assert same.status_code == 200
    assert same.json()["version"] == 1  # no change, no revision
    assert service.outbox.last_id() == 1


# --- delete and restore --------------------------------------------------------------------


async def test_delete_then_restore(client: httpx.AsyncClient, service: PlanService) -> None:
    created = await create(client, "restorable")
    plan_id = created.json()["id"]
    compat = f"/api/coach-plans/?coach=d&date={DAY_TEXT}"
    deleted = await client.delete(f"/api/v1/plans/{plan_id}", headers=AUTH)
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    assert deleted.json()["deleted_at"] is not None
    assert (await client.get(compat)).json()["plan"].startswith("No plan available")
    again = await client.delete(f"/api/v1/plans/{plan_id}", headers=AUTH)
    assert again.status_code == 404
    edit_deleted = await client.patch(f"/api/v1/plans/{plan_id}", json={"text": "x"}, headers=AUTH)
    assert edit_deleted.status_code == 404

    restored = await client.post(
        f"/api/v1/plans/{plan_id}/restore", headers={**AUTH, "If-Match": deleted.headers["etag"]}
    )
    assert restored.status_code == 200
    assert restored.json()["deleted"] is False
    assert restored.json()["text"] == "restorable"
    assert (await client.get(compat)).json()["plan"] == "restorable"

    conflict = await client.post(f"/api/v1/plans/{plan_id}/restore", headers=AUTH)
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "Conflict"
    assert conflict.json()["message"]
    missing = await client.post("/api/v1/plans/999/restore", headers=AUTH)
    assert missing.status_code == 404


async def test_delete_with_stale_etag_412(client: httpx.AsyncClient, service: PlanService) -> None:
    created = await create(client)
    stale = created.headers["etag"]
    await create(client, "replaced")
    response = await client.delete(
        f"/api/v1/plans/{created.json()['id']}", headers={**AUTH, "If-Match": stale}
    )
    assert response.status_code == 412
    assert service.get_plan("d", DAY) is not None


# --- events --------------------------------------------------------------------------------


async def test_events_one_per_change(client: httpx.AsyncClient) -> None:
    plan_id = (await create(client, "one")).json()["id"]
    await create(client, "two")
    await client.patch(f"/api/v1/plans/{plan_id}", json={"text": "three"}, headers=AUTH)
    await client.delete(f"/api/v1/plans/{plan_id}", headers=AUTH)
    await client.post(f"/api/v1/plans/{plan_id}/restore", headers=AUTH)
    await client.delete(f"/api/v1/plans/{plan_id}", headers=AUTH)
    await create(client, "revived")
    other = (await create(client, "other coach", coach="s")).json()["id"]
    # rejected writes make no events
    await client.patch(f"/api/v1/plans/{plan_id}", json={"text": " "}, headers=AUTH)
    await client.post("/api/v1/plans", json={"coach": "d", "text": "x"})

    response = await client.get("/api/v1/events")
    assert response.status_code == 200
    body = response.json()
    events = body["events"]
    assert [e["type"] for e in events] == [
        "plan.created",
        "plan.replaced",
        "plan.edited",
        "plan.deleted",
        "plan.restored",
        "plan.deleted",
        "plan.created",
        "plan.created",
    ]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert len({e["id"] for e in events}) == 8
    assert [e["revision"] for e in events[:7]] == [1, 2, 3, 4, 5, 6, 7]
    assert [e["plan_id"] for e in events] == [plan_id] * 7 + [other]
    assert body["last_id"] == events[-1]["id"]
    for event in events:
        assert set(event) == EVENT_FIELDS
        assert event["date"] == DAY_TEXT
    assert events[-1]["coach"] == "coach_s"


async def test_events_after_pagination(client: httpx.AsyncClient) -> None:
    for index in range(5):
        await create(client, f"text {index}", coach="dins"[index % 4])
    all_ids = [e["id"] for e in (await client.get("/api/v1/events")).json()["events"]]
    assert len(all_ids) == 5
    page = (await client.get(f"/api/v1/events?after={all_ids[1]}&limit=2")).json()
    assert [e["id"] for e in page["events"]] == all_ids[2:4]
    assert page["last_id"] == all_ids[3]
    rest = (await client.get(f"/api/v1/events?after={page['last_id']}")).json()
    assert [e["id"] for e in rest["events"]] == all_ids[4:]
    done = (await client.get(f"/api/v1/events?after={all_ids[-1]}")).json()
    assert done == {"events": [], "last_id": all_ids[-1]}
    for query in ("after=-1", "after=abc", "limit=0", "limit=1001", f"after={2**40}"):
        assert (await client.get(f"/api/v1/events?{query}")).status_code == 400, query
