"""The public API against the running services: what a client sends, what it
gets back, and which event reaches the bus."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.gateway.support import Client, EventTap, World, expect

pytestmark = pytest.mark.e2e

ADA = {"name": "Ada Lovelace", "email": "ada@example.com"}


@pytest.fixture
async def http(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.url, timeout=30) as client:
        yield client


async def test_a_client_token_from_the_token_endpoint_opens_the_public_api(
    world: World, http: httpx.AsyncClient
) -> None:
    crm = world.clients["crm_hub"]
    token = expect(
        await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(crm.client_id, crm.api_key),
        ),
        200,
    )
    assert token["token_type"] == "Bearer"
    assert int(token["expires_in"]) > 0  # type: ignore[call-overload]

    created = await http.post(
        "/v21.1/sessions",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        json={"customer": ADA},
    )
    assert created.status_code == 201


async def test_the_token_endpoint_refuses_the_api_password_in_place_of_the_key(
    world: World, http: httpx.AsyncClient
) -> None:
    crm = world.clients["crm_hub"]
    refused = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(crm.client_id, crm.api_password),
    )
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


async def test_creating_a_session_translates_its_data_and_emits_session_created(
    world: World, http: httpx.AsyncClient, events: EventTap
) -> None:
    crm = world.clients["crm_hub"]
    created = await http.post(
        "/v21.1/sessions",
        headers=crm.basic,
        json={
            "customer": ADA,
            "sourceName": "crm_hub",
            "workflowTemplateId": "wf_onboarding",
            "data": {"Contact": {"Email": "ada@example.com", "Fax": "+44 1"}},
        },
    )
    session = expect(created, 201)

    assert str(session["id"]).startswith("ses_")
    assert session["attributes"] == {"customer_email": "ada@example.com"}
    assert session["unmapped"] == {"Contact": {"Fax": "+44 1"}}
    assert session["workflowTemplateIds"] == ["wf_onboarding"]
    event = await events.one("session.created", str(session["id"]))
    assert event.doc["hubwireattributes"] == {"customer_email": "ada@example.com"}
    assert event.data["workflow_template_id"] == "wf_onboarding"
    assert event.data["customer"] == ADA
    assert event.target_hub == ""
    assert event.headers["Nats-Msg-Id"] == event.doc["id"]


@pytest.mark.parametrize(
    ("customer", "pointer", "words"),
    [
        (None, "/customer", "Field required"),
        ({"name": "Ada"}, "/customer", "email or a phone"),
        ({"name": "Ada", "email": "ada.example.com"}, "/customer/email", "email"),
        ({"name": "Ada", "phone": "call me"}, "/customer/phone", "phone"),
        ({"email": "ada@example.com"}, "/customer/name", "Field required"),
        ({"name": "", "phone": "+1 555 0100"}, "/customer/name", "at least 1"),
    ],
    ids=[
        "no-customer",
        "no-contact",
        "bad-email",
        "bad-phone",
        "no-name",
        "empty-name",
    ],
)
async def test_a_customer_needs_a_name_and_a_valid_email_or_phone(
    world: World,
    http: httpx.AsyncClient,
    customer: dict[str, str] | None,
    pointer: str,
    words: str,
) -> None:
    body = {} if customer is None else {"customer": customer}
    refused = await http.post(
        "/v21.1/sessions", headers=world.clients["crm_hub"].bearer, json=body
    )

    problem = expect(refused, 422)
    assert refused.headers["content-type"] == "application/problem+json"
    assert problem["pointer"] == pointer
    assert words in str(problem["detail"])


async def test_a_customer_with_a_phone_and_no_email_is_accepted(
    world: World, http: httpx.AsyncClient
) -> None:
    created = await http.post(
        "/v21.1/sessions",
        headers=world.clients["crm_hub"].bearer,
        json={"customer": {"name": "Bo Chen", "phone": "+1 (555) 010-0100"}},
    )
    assert expect(created, 201)["customer"] == {
        "name": "Bo Chen",
        "phone": "+1 (555) 010-0100",
    }


async def test_reading_a_session_with_a_source_shows_the_hubs_field_names(
    world: World, http: httpx.AsyncClient
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post(
            "/v21.1/sessions",
            headers=crm.bearer,
            json={
                "customer": ADA,
                "data": {"customer_email": "ada@example.com"},
            },
        ),
        201,
    )

    plain = expect(
        await http.get(f"/v21.1/sessions/{session['id']}", headers=crm.bearer), 200
    )
    fields = expect(
        await http.get(
            f"/v21.1/sessions/{session['id']}",
            params={"source": "crm_hub"},
            headers=crm.basic,
        ),
        200,
    )

    assert plain["attributes"] == {"customer_email": "ada@example.com"}
    assert plain["fields"] is None
    assert fields["fields"] == {"Contact": {"Email": "ada@example.com"}}


async def test_another_accounts_session_is_not_found(
    world: World, http: httpx.AsyncClient, stranger: Client
) -> None:
    session = expect(
        await http.post(
            "/v21.1/sessions",
            headers=world.clients["crm_hub"].bearer,
            json={"customer": ADA},
        ),
        201,
    )

    answer = await http.get(f"/v21.1/sessions/{session['id']}", headers=stranger.bearer)

    assert expect(answer, 404)["detail"] == f"session {session['id']!r} not found"


async def test_a_dynamic_session_sets_attributes_through_its_source(
    world: World, http: httpx.AsyncClient, events: EventTap
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post(
            "/v28.1/sessions",
            headers=crm.bearer,
            json={"hubs": {"events": "crm_hub"}, "records": {"Contact": "003A"}},
        ),
        201,
    )
    assert session["kind"] == "dynamic"
    assert session["hubs"] == {"events": "crm_hub"}

    updated = expect(
        await http.post(
            f"/v28.1/sessions/{session['id']}/attributes",
            headers=crm.basic,
            json={
                "source": "crm_hub",
                "data": {"Contact": {"Phone": "+44 20 7946 0000", "Title": "Dr"}},
            },
        ),
        200,
    )

    assert updated["attributes"] == {"customer_phone": "+44 20 7946 0000"}
    assert updated["unmapped"] == {"Contact": {"Title": "Dr"}}
    event = await events.one("attributes.updated", str(session["id"]))
    assert event.data == {
        "changed": {"customer_phone": "+44 20 7946 0000"},
        "source": "crm_hub",
    }
    assert event.target_hub == "crm_hub"
    assert event.doc["hubwirerecords"] == {"Contact": "003A"}


async def test_adding_a_workflow_with_hubs_targets_that_and_every_later_event(
    world: World, http: httpx.AsyncClient, events: EventTap
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post("/v21.1/sessions", headers=crm.bearer, json={"customer": ADA}),
        201,
    )
    sid = str(session["id"])

    added = expect(
        await http.post(
            f"/v21.3/sessions/{sid}/workflows",
            headers=crm.bearer,
            json={
                "workflowTemplateId": "wf_kyc",
                "sourceName": "crm_hub",
                "hubs": {"events": "events_hub"},
                "data": {"Contact": {"Email": "ada@example.com"}},
            },
        ),
        200,
    )
    expect(
        await http.post(
            f"/v21.1/sessions/{sid}/lifecycle/opened", headers=crm.bearer, json={}
        ),
        200,
    )

    assert added["workflowTemplateIds"] == ["wf_kyc"]
    assert added["hubs"] == {"events": "events_hub"}
    assert added["attributes"] == {"customer_email": "ada@example.com"}
    created = await events.one("session.created", sid)
    workflow = await events.one("workflow.added", sid)
    opened = await events.one("session.opened", sid)
    assert created.target_hub == ""
    assert workflow.data == {"workflow_template_id": "wf_kyc"}
    assert (workflow.target_hub, opened.target_hub) == ("events_hub", "events_hub")


async def test_a_document_analysis_translates_through_sourcename(
    world: World, http: httpx.AsyncClient, events: EventTap
) -> None:
    crm = world.clients["crm_hub"]
    analysis = expect(
        await http.post(
            "/v21.1/document-analyses",
            headers=crm.bearer,
            json={
                "sourcename": "crm_hub",
                "documents": ["doc_passport_123"],
                "data": {"Contact": {"Email": "ada@example.com"}},
                "hubs": {"events": "crm_hub"},
            },
        ),
        201,
    )

    assert str(analysis["id"]).startswith("dan_")
    assert analysis["attributes"] == {"customer_email": "ada@example.com"}
    [started] = await events.wait_for(
        lambda e: e.data.get("analysis_id") == analysis["id"]
    )
    assert started.type == "document_analysis.started"
    assert started.data["analysis_id"] == analysis["id"]
    assert started.data["documents"] == ["doc_passport_123"]
    assert started.target_hub == "crm_hub"
    read = expect(
        await http.get(
            f"/v21.1/document-analyses/{analysis['id']}", headers=crm.bearer
        ),
        200,
    )
    assert read["documents"] == ["doc_passport_123"]


@pytest.mark.parametrize(
    ("kind", "event_type", "data"),
    [
        ("validation-completed", "document_validation.completed", {"valid": True}),
        ("summary", "document_analysis.summary", {"summary": {"name": "Ada"}}),
        ("completed", "document_analysis.completed", {"status": "done"}),
    ],
)
async def test_each_step_of_an_analysis_emits_its_catalog_event(
    world: World,
    http: httpx.AsyncClient,
    events: EventTap,
    kind: str,
    event_type: str,
    data: dict[str, object],
) -> None:
    crm = world.clients["crm_hub"]
    analysis = expect(
        await http.post(
            "/v21.1/document-analyses",
            headers=crm.bearer,
            json={"documents": ["doc_1"], "hubs": {"events": "events_hub"}},
        ),
        201,
    )

    accepted = await http.post(
        f"/v21.1/document-analyses/{analysis['id']}/lifecycle/{kind}",
        headers=crm.bearer,
        json={"data": data},
    )

    event_id = expect(accepted, 202)["event_id"]
    event = await events.wait_for(lambda e: e.doc["id"] == event_id)
    assert event[0].type == event_type
    assert event[0].data["analysis_id"] == analysis["id"]
    assert event[0].target_hub == "events_hub"


LIFECYCLE = [
    ("opened", "session.opened", {}, "opened"),
    ("form-submitted", "form.submitted", {"form_id": "kyc"}, "created"),
    ("esign-completed", "esign.completed", {"document_id": "doc_9"}, "created"),
    ("file-uploaded", "file.uploaded", {"file_name": "id.pdf", "size": 10}, "created"),
    (
        "payment-completed",
        "payment.completed",
        {"amount": 49.5, "currency": "EUR"},
        "created",
    ),
    (
        "workflow-completed",
        "workflow.completed",
        {"workflow_template_id": "wf_kyc"},
        "created",
    ),
    ("completed", "session.completed", {}, "completed"),
    ("closed", "session.closed", {"reason": "done"}, "closed"),
    ("expired", "session.expired", {}, "expired"),
]


@pytest.mark.parametrize(
    ("kind", "event_type", "data", "status"), LIFECYCLE, ids=[c[0] for c in LIFECYCLE]
)
async def test_each_step_of_a_sessions_life_emits_its_event_to_the_sessions_hub(
    world: World,
    http: httpx.AsyncClient,
    events: EventTap,
    kind: str,
    event_type: str,
    data: dict[str, object],
    status: str,
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post(
            "/v21.1/sessions",
            headers=crm.bearer,
            json={"customer": ADA, "hubs": {"events": "events_hub"}},
        ),
        201,
    )

    stepped = await http.post(
        f"/v21.1/sessions/{session['id']}/lifecycle/{kind}",
        headers=crm.bearer,
        json={"data": data},
    )

    assert expect(stepped, 200)["status"] == status
    event = await events.one(event_type, str(session["id"]))
    assert event.data == data
    assert event.target_hub == "events_hub"


async def test_attributes_changed_by_the_customer_emit_attributes_updated(
    world: World, http: httpx.AsyncClient, events: EventTap
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post("/v21.1/sessions", headers=crm.bearer, json={"customer": ADA}),
        201,
    )

    changed = await http.post(
        f"/v21.1/sessions/{session['id']}/lifecycle/attributes-changed",
        headers=crm.bearer,
        json={"data": {"changed": {"customer_phone": "+1 555 0199"}}},
    )

    assert expect(changed, 200)["attributes"] == {"customer_phone": "+1 555 0199"}
    event = await events.one("attributes.updated", str(session["id"]))
    assert event.data == {"changed": {"customer_phone": "+1 555 0199"}}


async def test_a_step_with_data_the_catalog_refuses_names_the_field(
    world: World, http: httpx.AsyncClient
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post("/v21.1/sessions", headers=crm.bearer, json={"customer": ADA}),
        201,
    )

    refused = await http.post(
        f"/v21.1/sessions/{session['id']}/lifecycle/payment-completed",
        headers=crm.bearer,
        json={"data": {"amount": 10}},
    )

    assert expect(refused, 422)["pointer"] == "/data/currency"


async def test_a_closed_session_takes_no_more_steps(
    world: World, http: httpx.AsyncClient
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post("/v21.1/sessions", headers=crm.bearer, json={"customer": ADA}),
        201,
    )
    path = f"/v21.1/sessions/{session['id']}/lifecycle"
    expect(await http.post(f"{path}/closed", headers=crm.bearer, json={}), 200)

    reopened = await http.post(f"{path}/opened", headers=crm.bearer, json={})

    assert expect(reopened, 409)["detail"] == (
        f"session {session['id']!r} is closed; it takes no changes"
    )


UNKNOWN_HUB_CALLS = [
    (
        "/v21.1/sessions",
        {"customer": ADA, "hubs": {"events": "no_such_hub"}},
        "/hubs/events",
        "no_such_hub",
    ),
    (
        "/v21.1/sessions",
        {"customer": ADA, "sourceName": "dormant_hub"},
        "/sourceName",
        "dormant_hub",
    ),
    (
        "/v28.1/sessions",
        {"hubs": {"events": "dormant_hub"}},
        "/hubs/events",
        "dormant_hub",
    ),
    (
        "/v21.1/document-analyses",
        {"documents": ["d"], "sourcename": "no_such_hub"},
        "/sourcename",
        "no_such_hub",
    ),
    (
        "/v21.1/document-analyses",
        {"documents": ["d"], "hubs": {"events": "dormant_hub"}},
        "/hubs/events",
        "dormant_hub",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "pointer", "hub"),
    UNKNOWN_HUB_CALLS,
    ids=[
        "events-unknown",
        "source-inactive",
        "dynamic-inactive",
        "analysis-unknown",
        "analysis-inactive",
    ],
)
async def test_naming_an_unknown_or_inactive_hub_is_refused_and_creates_nothing(
    world: World,
    http: httpx.AsyncClient,
    path: str,
    body: dict[str, object],
    pointer: str,
    hub: str,
) -> None:
    sessions_before = world.rows("SELECT count(*) FROM sessions")
    analyses_before = world.rows("SELECT count(*) FROM document_analyses")
    outbox_before = world.rows("SELECT count(*) FROM outbox")

    refused = await http.post(path, headers=world.clients["crm_hub"].bearer, json=body)

    problem = expect(refused, 422)
    assert problem["pointer"] == pointer
    assert hub in str(problem["detail"])
    assert world.rows("SELECT count(*) FROM sessions") == sessions_before
    assert world.rows("SELECT count(*) FROM document_analyses") == analyses_before
    assert world.rows("SELECT count(*) FROM outbox") == outbox_before


async def test_set_attributes_and_add_workflow_refuse_an_unknown_hub_too(
    world: World, http: httpx.AsyncClient
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post("/v28.1/sessions", headers=crm.bearer, json={}), 201
    )
    sid = session["id"]

    by_source = await http.post(
        f"/v28.1/sessions/{sid}/attributes",
        headers=crm.bearer,
        json={"source": "no_such_hub", "data": {"Contact": {"Email": "a@b.co"}}},
    )
    by_hubs = await http.post(
        f"/v21.3/sessions/{sid}/workflows",
        headers=crm.bearer,
        json={"workflowTemplateId": "wf", "hubs": {"events": "dormant_hub"}},
    )

    assert expect(by_source, 422)["detail"] == "hub 'no_such_hub' does not exist"
    assert expect(by_hubs, 422)["detail"] == "hub 'dormant_hub' is inactive"
    read = expect(await http.get(f"/v21.1/sessions/{sid}", headers=crm.bearer), 200)
    assert read["workflowTemplateIds"] == []
    assert read["attributes"] == {}
