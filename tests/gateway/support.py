"""Helpers of the gateway tests: an account set up through the admin API, a
tap on the event bus, reads of the gateway's own database."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats
from nats.aio.msg import Msg

from hubwire.common import subjects
from hubwire.devstack.stack import Stack
from tests.support.waiting import wait_until

WAIT = 20.0
API_PASSWORD = "a-long-api-password-ünïcode"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def expect(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path}: "
        f"{response.status_code} {response.text}"
    )
    return response.json() if response.content else {}


@dataclass
class Client:
    """API credentials of one hub, and both ways to authenticate with them."""

    hub: str
    client_id: str
    api_key: str
    api_password: str
    token: str = ""

    @property
    def basic(self) -> dict[str, str]:
        return basic(self.client_id, self.api_password)

    @property
    def bearer(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class World:
    """One account on a running stack: its admin and hubs."""

    stack: Stack
    account: str
    username: str
    password: str
    admin: dict[str, str]
    clients: dict[str, Client] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.stack.gateway_url

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.stack.ports.nats}"

    @property
    def gateway_db(self) -> Path:
        return self.stack.var_dir / "gateway.db"

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def hub(self, name: str, *, credentials: bool = True) -> Client | None:
        """Create hub ``name`` (with API credentials unless told not to)."""
        with self.http() as http:
            expect(
                http.post(
                    "/admin/v1/hubs",
                    headers=self.admin,
                    json={"name": name, "description": f"{name} for tests"},
                ),
                201,
            )
            if not credentials:
                return None
            creds = expect(
                http.post(
                    f"/admin/v1/hubs/{name}/credentials",
                    headers=self.admin,
                    json={
                        "username": self.username,
                        "password": self.password,
                        "api_password": API_PASSWORD,
                    },
                ),
                201,
            )
            token = expect(
                http.post(
                    "/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(str(creds["client_id"]), str(creds["api_key"])),
                ),
                200,
            )
        client = Client(
            hub=name,
            client_id=str(creds["client_id"]),
            api_key=str(creds["api_key"]),
            api_password=API_PASSWORD,
            token=str(token["access_token"]),
        )
        self.clients[name] = client
        return client

    def admin_call(
        self, method: str, path: str, status: int, **kwargs: object
    ) -> dict[str, object]:
        with self.http() as http:
            return expect(
                http.request(method, path, headers=self.admin, **kwargs),  # type: ignore[arg-type]
                status,
            )

    def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        """Rows of the gateway's own SQLite database (read-only)."""
        with sqlite3.connect(f"file:{self.gateway_db}?mode=ro", uri=True) as db:
            return list(db.execute(sql, params))


def open_world(stack: Stack, account: str) -> World:
    admin = stack.create_account(account, "root")
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as http:
        login = expect(
            http.post(
                "/admin/v1/login",
                json={
                    "account": account,
                    "username": admin["username"],
                    "password": admin["password"],
                },
            ),
            200,
        )
    return World(
        stack=stack,
        account=account,
        username=admin["username"],
        password=admin["password"],
        admin=bearer(str(login["access_token"])),
    )


@dataclass
class Event:
    subject: str
    headers: dict[str, str]
    doc: dict[str, object]

    @property
    def type(self) -> str:
        return str(self.doc["type"])

    @property
    def data(self) -> dict[str, object]:
        return self.doc["data"]  # type: ignore[return-value]

    @property
    def target_hub(self) -> str:
        return str(self.doc.get(subjects.TARGET_HUB_EXTENSION, ""))

    @property
    def session_id(self) -> str:
        return str(self.doc.get("hubwiresessionid", ""))


class EventTap:
    """Every event published for one account while the tap is open (a core
    NATS subscription on ``hubwire.events.<account>.>``)."""

    def __init__(self, nats_url: str, account: str) -> None:
        self.nats_url = nats_url
        self.subject = f"hubwire.events.{account}.>"
        self.events: list[Event] = []
        self._arrived = asyncio.Condition()
        self._nc: nats.NATS | None = None

    async def __aenter__(self) -> EventTap:
        self._nc = await nats.connect(self.nats_url)
        await self._nc.subscribe(self.subject, cb=self._on)
        await self._nc.flush()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._nc is not None:
            await self._nc.close()

    async def _on(self, msg: Msg) -> None:
        event = Event(msg.subject, dict(msg.headers or {}), json.loads(msg.data))
        async with self._arrived:
            self.events.append(event)
            self._arrived.notify_all()

    async def wait_for(
        self, match: Callable[[Event], bool], *, count: int = 1, timeout: float = WAIT
    ) -> list[Event]:
        """The first ``count`` events that ``match``; TimeoutError if they
        do not arrive in time."""

        def found() -> list[Event]:
            return [e for e in self.events if match(e)]

        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(found()) >= count), timeout
            )
        return found()[:count]

    async def one(
        self, event_type: str, session_id: str = "", *, timeout: float = WAIT
    ) -> Event:
        def match(e: Event) -> bool:
            return e.type == event_type and (
                not session_id or e.session_id == session_id
            )

        return (await self.wait_for(match, timeout=timeout))[0]


async def stream_events(nats_url: str, subject: str) -> list[Event]:
    """Every message the events stream holds on ``subject`` (a filter)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        psub = await js.pull_subscribe(subject, stream=subjects.EVENTS_STREAM)
        found: list[Event] = []
        while True:
            try:
                msgs = await psub.fetch(256, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                return found
            for msg in msgs:
                found.append(
                    Event(msg.subject, dict(msg.headers or {}), json.loads(msg.data))
                )
                await msg.ack()
    finally:
        await nc.close()


eventually = functools.partial(wait_until, timeout=WAIT, interval=0.2)
