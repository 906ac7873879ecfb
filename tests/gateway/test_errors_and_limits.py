"""Error answers are RFC 9457 problem documents; bodies are limited; creates
are idempotent under an Idempotency-Key."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.gateway.support import Client, EventTap, World, basic, expect

pytestmark = pytest.mark.e2e

ADA = {"name": "Ada Lovelace", "email": "ada@example.com"}
PROBLEM = "application/problem+json"


@pytest.fixture
async def http(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.url, timeout=30) as client:
        yield client


@pytest.fixture
def crm(world: World) -> Client:
    return world.clients["crm_hub"]


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert {"type", "title", "detail"} <= problem.keys()
    assert "Traceback" not in response.text
    return problem  # type: ignore[no-any-return]


async def test_a_call_without_credentials_is_a_401_problem(
    http: httpx.AsyncClient,
) -> None:
    answer = await http.post("/v21.1/sessions", json={"customer": ADA})

    problem = assert_problem(answer, 401)
    assert "HTTP Basic" in str(problem["detail"])
    assert "Basic" in answer.headers["www-authenticate"]


async def test_a_wrong_api_password_is_a_401_problem(
    http: httpx.AsyncClient, crm: Client
) -> None:
    answer = await http.post(
        "/v21.1/sessions",
        headers=basic(crm.client_id, "not-the-password"),
        json={"customer": ADA},
    )

    assert_problem(answer, 401)


async def test_a_basic_credential_may_be_sent_in_utf_8_or_latin_1(
    http: httpx.AsyncClient, crm: Client
) -> None:
    # The API password has non-ASCII letters; clients differ in how they
    # encode them, and both must work.
    for charset in ("utf-8", "latin-1"):
        raw = f"{crm.client_id}:{crm.api_password}".encode(charset)
        header = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        answer = await http.post(
            "/v21.1/sessions", headers=header, json={"customer": ADA}
        )
        assert answer.status_code == 201, (charset, answer.text)


async def test_an_admin_token_does_not_open_the_public_api(
    http: httpx.AsyncClient, world: World
) -> None:
    answer = await http.post(
        "/v21.1/sessions", headers=world.admin, json={"customer": ADA}
    )

    assert_problem(answer, 401)


async def test_a_client_token_does_not_open_the_admin_api(
    http: httpx.AsyncClient, crm: Client
) -> None:
    assert_problem(await http.get("/admin/v1/hubs", headers=crm.bearer), 401)


async def test_unknown_paths_and_methods_answer_problems(
    http: httpx.AsyncClient,
) -> None:
    assert_problem(await http.get("/v99/nothing"), 404)
    assert_problem(await http.delete("/v21.1/sessions"), 405)


async def test_a_body_that_is_not_json_is_a_problem(
    http: httpx.AsyncClient, crm: Client
) -> None:
    answer = await http.post(
        "/v21.1/sessions",
        headers={**crm.bearer, "content-type": "application/json"},
        content=b'{"customer": ',
    )

    problem = assert_problem(answer, 422)
    assert problem["detail"] == "the body is not valid JSON (at /)"


async def test_a_validation_problem_lists_every_field_with_its_pointer(
    http: httpx.AsyncClient, crm: Client
) -> None:
    answer = await http.post(
        "/v21.1/document-analyses",
        headers=crm.bearer,
        json={"documents": [], "data": "not an object"},
    )

    problem = assert_problem(answer, 422)
    pointers = {e["pointer"] for e in problem["errors"]}  # type: ignore[union-attr]
    assert pointers == {"/documents", "/data"}


async def test_a_declared_body_over_the_limit_is_refused_with_413(
    http: httpx.AsyncClient, crm: Client
) -> None:
    answer = await http.post(
        "/v21.1/sessions",
        headers={**crm.bearer, "content-type": "application/json"},
        content=b" " * (1024 * 1024 + 1),
    )

    problem = assert_problem(answer, 413)
    assert problem["detail"] == "the request body exceeds 1048576 bytes"


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


async def test_a_chunked_body_over_the_limit_is_refused_with_413(
    world: World, crm: Client
) -> None:
    # A generator body goes out chunked, with no Content-Length to judge.
    with httpx.Client(base_url=world.url, timeout=30) as sync_http:
        public = sync_http.post(
            "/v21.1/sessions",
            headers={**crm.bearer, "content-type": "application/json"},
            content=chunks(2 * 1024 * 1024),
        )
        admin = sync_http.put(
            "/admin/v1/hubs/crm_hub/schema",
            headers={**world.admin, "content-type": "application/json"},
            content=chunks(2 * 1024 * 1024),
        )

    assert "content-length" not in public.request.headers
    assert_problem(public, 413)
    assert_problem(admin, 413)


async def test_a_chunked_body_under_the_limit_is_accepted(
    world: World, crm: Client
) -> None:
    body = json.dumps({"customer": ADA}).encode()
    with httpx.Client(base_url=world.url, timeout=30) as sync_http:
        created = sync_http.post(
            "/v21.1/sessions",
            headers={**crm.bearer, "content-type": "application/json"},
            content=iter([body[:10], body[10:]]),
        )

    assert created.status_code == 201, created.text


async def test_the_same_idempotency_key_and_body_answer_the_same_session_once(
    http: httpx.AsyncClient, crm: Client, world: World, events: EventTap
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"customer": ADA, "data": {"customer_email": "ada@example.com"}}

    first = await http.post("/v21.1/sessions", headers={**crm.bearer, **key}, json=body)
    again = await http.post(
        "/v21.1/sessions",
        headers={**crm.basic, **key, "content-type": "application/json"},
        content=json.dumps(body, indent=2, sort_keys=True),
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    sid = first.json()["id"]
    await events.one("session.created", sid)
    with pytest.raises(TimeoutError):
        await events.wait_for(
            lambda e: e.type == "session.created" and e.session_id == sid,
            count=2,
            timeout=1.5,
        )
    assert world.rows("SELECT count(*) FROM sessions WHERE id = ?", sid) == [(1,)]


async def test_the_same_idempotency_key_with_another_body_is_a_409(
    http: httpx.AsyncClient, crm: Client
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    expect(
        await http.post(
            "/v21.1/sessions", headers={**crm.bearer, **key}, json={"customer": ADA}
        ),
        201,
    )

    other_body = await http.post(
        "/v21.1/sessions",
        headers={**crm.bearer, **key},
        json={"customer": {**ADA, "name": "Ada King"}},
    )
    other_route = await http.post(
        "/v28.1/sessions", headers={**crm.bearer, **key}, json={"customer": ADA}
    )

    assert "another request" in str(assert_problem(other_body, 409)["detail"])
    assert_problem(other_route, 409)


async def test_an_idempotency_key_belongs_to_its_client(
    http: httpx.AsyncClient, world: World
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    crm, other = world.clients["crm_hub"], world.clients["events_hub"]

    mine = await http.post(
        "/v21.1/sessions", headers={**crm.bearer, **key}, json={"customer": ADA}
    )
    theirs = await http.post(
        "/v21.1/sessions", headers={**other.bearer, **key}, json={"customer": ADA}
    )

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_racing_requests_with_one_key_create_one_session(
    http: httpx.AsyncClient, crm: Client, world: World
) -> None:
    key = str(uuid.uuid4())
    body = {"customer": ADA}

    answers = await asyncio.gather(
        *(
            http.post(
                "/v21.1/sessions",
                headers={**crm.bearer, "Idempotency-Key": key},
                json=body,
            )
            for _ in range(4)
        )
    )

    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert {a.status_code for a in answers} <= {201, 409}
    again = await http.post(
        "/v21.1/sessions", headers={**crm.bearer, "Idempotency-Key": key}, json=body
    )
    assert again.json()["id"] in created


async def test_a_document_analysis_create_is_idempotent_too(
    http: httpx.AsyncClient, crm: Client
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"documents": ["doc_1"]}

    first = await http.post(
        "/v21.1/document-analyses", headers={**crm.bearer, **key}, json=body
    )
    again = await http.post(
        "/v21.1/document-analyses", headers={**crm.bearer, **key}, json=body
    )

    assert expect(first, 201)["id"] == expect(again, 201)["id"]
