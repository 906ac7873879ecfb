"""Import now against real HTTP apps: what is stored, what each failure says,
and that a failure changes nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from hubwire.common.errors import (
    InvalidInput,
    NotFound,
    OutboundURLRefused,
    Unavailable,
    UpstreamError,
)
from hubwire.mapping.app import build_importer
from hubwire.mapping.appclient import AppAnswerError, AppClient
from hubwire.mapping.connectivity import RegistryConnectivity
from hubwire.mapping.importer import Importer
from hubwire.mapping.sources import SourceRules, SourceSpec
from hubwire.mapping.store import MappingStore
from tests.mapping.support import (
    ACCOUNT,
    APP_PASSWORD,
    APP_USER,
    ExampleApp,
    FakeRegistry,
    Handler,
    add_attribute,
    make_settings,
)

CONTACT_V1 = {
    "objects": [
        {
            "name": "Contact",
            "label": "Contact",
            "fields": [
                {"name": "Email", "type": "email", "label": "Email", "writable": True},
                {"name": "Phone", "type": "phone", "writable": True},
                {"name": "Age", "type": "string"},
            ],
        },
        {"name": "Lead", "fields": [{"name": "Source", "type": "string"}]},
    ]
}


Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ScriptedApp:
    """An app whose next answer the test chooses; it records each request."""

    answer: Answer | None = None
    requests: list[web.Request] = field(default_factory=list)

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        if self.answer is None:
            return web.json_response(CONTACT_V1)
        return await self.answer(request)

    def answers_json(self, doc: object) -> None:
        async def answer(request: web.Request) -> web.StreamResponse:
            return web.json_response(doc)

        self.answer = answer

    def answers(self, body: str, status: int = 200, **kw: object) -> None:
        async def answer(request: web.Request) -> web.StreamResponse:
            return web.Response(text=body, status=status, **kw)  # type: ignore[arg-type]

        self.answer = answer


@pytest.fixture
async def scripted(
    http_app: Callable[[Handler], Awaitable[str]], fake_registry: FakeRegistry
) -> ScriptedApp:
    app = ScriptedApp()
    base = await http_app(app)
    fake_registry.connect("crm", f"{base}/hubwire/objects", headers={"X-Tenant": "t-1"})
    return app


async def snapshot(importer: Importer, store: MappingStore) -> object:
    catalogue = await importer.catalogue.get(ACCOUNT, "crm")
    sources = await SourceRules(store).find(ACCOUNT, hub_name="crm")
    return catalogue.to_json(), [s.model_dump() for s in sources]


async def test_import_stores_the_example_apps_objects_and_fields(
    importer: Importer, example_app: ExampleApp, fake_registry: FakeRegistry
) -> None:
    fake_registry.connect("crm", example_app.import_url)

    report = (await importer.import_now(ACCOUNT, "crm")).to_json()

    assert report["first_import"] is True
    assert report["added"] == [{"object": "Account"}, {"object": "Contact"}]
    listed = (await importer.catalogue.get(ACCOUNT, "crm")).to_json()
    contact = next(o for o in listed["objects"] if o["name"] == "Contact")
    email = next(f for f in contact["fields"] if f["name"] == "Email")
    assert email == {
        "name": "Email",
        "type": "email",
        "label": "Email",
        "writable": True,
    }
    assert listed["imported_at"].endswith("Z")


async def test_import_sends_basic_auth_and_the_extra_headers(
    importer: Importer, scripted: ScriptedApp
) -> None:
    await importer.import_now(ACCOUNT, "crm")

    request = scripted.requests[-1]
    expected = base64.b64encode(f"{APP_USER}:{APP_PASSWORD}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert request.headers["X-Tenant"] == "t-1"
    assert request.method == "GET"
    assert request.path == "/hubwire/objects"


def _not_json(app: ScriptedApp) -> None:
    app.answers("<html>hello</html>", content_type="text/html")


def _duplicate_json_key(app: ScriptedApp) -> None:
    app.answers('{"objects": [], "objects": []}', content_type="application/json")


def _wrong_type(app: ScriptedApp) -> None:
    doc = json.loads(json.dumps(CONTACT_V1))
    doc["objects"][0]["fields"][1]["type"] = "text"
    app.answers_json(doc)


def _missing_fields(app: ScriptedApp) -> None:
    app.answers_json({"objects": [{"name": "Contact"}]})


def _duplicate_objects_after_nfc(app: ScriptedApp) -> None:
    field = [{"name": "Code", "type": "string"}]
    app.answers_json(
        {
            "objects": [
                {"name": "Caf\u00e9", "fields": field},
                {"name": "Cafe\u0301", "fields": field},
            ]
        }
    )


def _duplicate_fields(app: ScriptedApp) -> None:
    fields = [{"name": "Email", "type": "email"}, {"name": "Email", "type": "string"}]
    app.answers_json({"objects": [{"name": "Contact", "fields": fields}]})


def _too_large(app: ScriptedApp) -> None:
    filler = [
        {"name": f"F{i}", "type": "string", "label": "x" * 200} for i in range(400)
    ]
    app.answers_json({"objects": [{"name": "Big", "fields": filler}]})


def _status(code: int, **kw: object) -> Callable[[ScriptedApp], None]:
    return lambda app: app.answers("no", status=code, **kw)


UE = UpstreamError
FAILURES: list[tuple[str, Callable[[ScriptedApp], None], type[Exception], str]] = [
    ("401", _status(401), UE, r"refused the credentials \(HTTP 401 from http://"),
    ("403", _status(403), UE, "refused the credentials"),
    ("500", _status(500), UE, r"the app at http://.* failed \(HTTP 500\)"),
    ("503", _status(503), UE, r"failed \(HTTP 503\)"),
    ("404", _status(404), UE, r"answered HTTP 404"),
    ("redirect", _status(302, headers={"Location": "/x"}), UE, "redirect"),
    ("not json", _not_json, UE, "not usable JSON"),
    ("duplicate json key", _duplicate_json_key, UE, "duplicate JSON key"),
    ("wrong field type", _wrong_type, UE, r"at /objects/0/fields/1/type: 'text'"),
    ("missing fields", _missing_fields, UE, r"at /objects/0: 'fields' is a required"),
    (
        "duplicate objects after NFC",
        _duplicate_objects_after_nfc,
        UE,
        r"duplicate object name 'Café' \(also /objects/0\)",
    ),
    (
        "duplicate fields",
        _duplicate_fields,
        UE,
        r"at /objects/0/fields/1/name: duplicate field name 'Email'",
    ),
    ("over the size bound", _too_large, UE, "larger than the bound of 65536 bytes"),
]


@pytest.mark.parametrize(
    ("break_app", "error", "message"),
    [pytest.param(*f[1:], id=f[0]) for f in FAILURES],
)
async def test_each_import_failure_is_a_clear_error_and_changes_nothing(
    importer: Importer,
    store: MappingStore,
    scripted: ScriptedApp,
    break_app: Callable[[ScriptedApp], None],
    error: type[Exception],
    message: str,
) -> None:
    await importer.import_now(ACCOUNT, "crm")
    await add_attribute(store, "customer_email", "email")
    await SourceRules(store).add(
        ACCOUNT,
        SourceSpec(
            attribute="customer_email", hub_name="crm", object="Contact", field="Email"
        ),
    )
    before = await snapshot(importer, store)

    break_app(scripted)
    with pytest.raises(error, match=message):
        await importer.import_now(ACCOUNT, "crm")

    assert await snapshot(importer, store) == before


async def test_a_streamed_answer_past_the_bound_is_refused_without_reading_on(
    importer: Importer, scripted: ScriptedApp
) -> None:
    finished = asyncio.Event()

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"objects": [')
        for _ in range(10_000):  # 10 MiB if anyone read it all
            await response.write(b" " * 1024)
        finished.set()
        return response

    scripted.answer = endless

    with pytest.raises(AppAnswerError, match="larger than the bound") as caught:
        await importer.import_now(ACCOUNT, "crm")

    assert caught.value.status == 200
    assert not finished.is_set()
    assert (await importer.catalogue.get(ACCOUNT, "crm")).objects == []


async def test_an_unreachable_app_is_unavailable_naming_the_url(
    importer: Importer, fake_registry: FakeRegistry
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hubwire/objects"
    fake_registry.connect("crm", url)

    with pytest.raises(Unavailable, match=f"the app at {url} is unreachable"):
        await importer.import_now(ACCOUNT, "crm")

    assert (await importer.catalogue.get(ACCOUNT, "crm")).objects == []


async def test_a_slow_app_times_out_as_unavailable(
    importer: Importer,
    http_app: Callable[[Handler], Awaitable[str]],
    fake_registry: FakeRegistry,
) -> None:
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response(CONTACT_V1)

    fake_registry.connect("crm", await http_app(slow) + "/hubwire/objects")

    with pytest.raises(Unavailable, match="no answer within the timeout"):
        await importer.import_now(ACCOUNT, "crm")
    release.set()


async def test_a_hub_without_connectivity_cannot_be_imported(
    importer: Importer, fake_registry: FakeRegistry
) -> None:
    fake_registry.hubs[(ACCOUNT, "crm")] = None

    with pytest.raises(InvalidInput, match="hub 'crm' has no app connectivity"):
        await importer.import_now(ACCOUNT, "crm")


async def test_an_unknown_hub_is_not_found(importer: Importer) -> None:
    with pytest.raises(NotFound, match="hub 'nope' not found"):
        await importer.import_now(ACCOUNT, "nope")


@pytest.mark.parametrize(
    ("allow_http", "message"),
    [(False, "scheme 'http' is not allowed"), (True, "127.0.0.1 is in the loopback")],
)
async def test_loopback_and_http_apps_are_refused_without_the_development_settings(
    tmp_path: Path,
    store: MappingStore,
    registry: tuple[FakeRegistry, str],
    scripted: ScriptedApp,
    allow_http: bool,
    message: str,
) -> None:
    strict = make_settings(
        tmp_path, registry[1], allow_private_urls=False, allow_http_urls=allow_http
    )
    client = AppClient(strict.app_client_config())
    connectivity = RegistryConnectivity(registry[1])
    importer = build_importer(store, connectivity=connectivity, client=client)
    try:
        with pytest.raises(OutboundURLRefused, match=message):
            await importer.import_now(ACCOUNT, "crm")
    finally:
        await client.close()
        await connectivity.close()

    assert scripted.requests == []
    assert (await importer.catalogue.get(ACCOUNT, "crm")).objects == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
