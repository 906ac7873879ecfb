"""The registry's rules, on the store itself: SQLite always, PostgreSQL when
``HUBWIRE_TEST_POSTGRES_URL`` is set. The registry runs with the production
outbound policy (https only, no private addresses)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text, update

from hubwire.common.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    OutboundURLRefused,
    Unauthenticated,
)
from hubwire.common.outbound import OutboundPolicy
from hubwire.registry import migrate, rules
from hubwire.registry.models import ClientToken, Table
from hubwire.registry.store import ReAuth, Registry
from tests.conftest import shared_cases
from tests.registry.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    Backend,
    MakeRegistry,
    Published,
    wait_for,
)

ACCOUNT = "acme"
API_PASSWORD = "api-password-0001"
ME = ReAuth(username=ADMIN, password=ADMIN_PASSWORD, actor=ADMIN)
HOOK = "https://hooks.example.com/hubwire"


async def new_hub(registry: Registry, name: str = "crm_hub") -> None:
    await registry.create_hub(ACCOUNT, name, "our CRM", actor=ADMIN)


async def raw_rows(registry: Registry) -> str:
    """Every row of every registry table, as text."""
    dump = []
    async with registry.db.engine.connect() as conn:
        for table in Table.metadata.sorted_tables:
            rows = await conn.execute(text(f"SELECT * FROM {table.name}"))
            dump.extend(repr(tuple(row)) for row in rows)
    return "\n".join(dump)


def sqlite_file_bytes(backend: Backend) -> bytes:
    """The SQLite database file and its write-ahead log, as stored on disk."""
    path = Path(backend.url.split(":///", 1)[1])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


# -- accounts and admins --------------------------------------------------------


async def test_an_admin_password_is_stored_as_an_argon2_hash_only(
    registry: Registry,
) -> None:
    dump = await raw_rows(registry)

    assert ADMIN_PASSWORD not in dump
    assert "$argon2id$" in dump


async def test_login_returns_a_token_naming_the_admin_and_the_account(
    registry: Registry,
) -> None:
    token = await registry.login(ACCOUNT, ADMIN, ADMIN_PASSWORD)

    who = await registry.authenticate_admin(token)

    assert (who.account_id, who.username) == (ACCOUNT, ADMIN)
    with pytest.raises(Unauthenticated, match="invalid or expired"):
        await registry.authenticate_admin(token + "x")


async def test_failed_logins_are_recorded_without_what_was_typed(
    registry: Registry,
) -> None:
    typed = "my-password-typed-as-username"
    with pytest.raises(Unauthenticated, match="wrong account, username or password"):
        await registry.login(ACCOUNT, ADMIN, "wrong-password-123")
    with pytest.raises(Unauthenticated, match="wrong account, username or password"):
        await registry.login(ACCOUNT, typed, ADMIN_PASSWORD)
    with pytest.raises(Unauthenticated, match="wrong account, username or password"):
        await registry.login("no_such_account", ADMIN, ADMIN_PASSWORD)

    entries = await registry.audit_log(ACCOUNT)

    failures = [(e.action, e.actor, e.detail, e.success) for e in entries]
    assert failures == [
        ("login", "(unknown user)", "unknown username", False),
        ("login", ADMIN, "wrong password", False),
    ]
    assert typed not in await raw_rows(registry)


async def test_an_admin_password_shorter_than_12_characters_is_refused(
    registry: Registry,
) -> None:
    with pytest.raises(InvalidInput, match="12 to 256 characters"):
        await registry.create_admin(ACCOUNT, "second", "short-pw")


# -- hubs --------------------------------------------------------------------------


async def test_a_hub_name_breaking_the_rule_is_refused_stating_the_rule(
    registry: Registry,
) -> None:
    # Every form of bad name is in test_rules; this shows the store applies it.
    with pytest.raises(InvalidInput, match="lower-case letters a-z and '_'") as info:
        await registry.create_hub(ACCOUNT, "CRM-Hub", "", actor=ADMIN)

    assert info.value.pointer == "/name"
    assert await registry.list_hubs(ACCOUNT) == []


async def test_a_hub_name_of_64_letters_and_underscores_is_accepted(
    registry: Registry,
) -> None:
    name = "a_" * 32

    hub = await registry.create_hub(ACCOUNT, name, "", actor=ADMIN)

    assert hub.name == name


async def test_a_taken_name_is_a_conflict_but_free_in_another_account(
    registry: Registry,
) -> None:
    await new_hub(registry)
    await registry.create_account("other")

    with pytest.raises(Conflict, match="a hub named 'crm_hub' already exists"):
        await new_hub(registry)
    other = await registry.create_hub("other", "crm_hub", "", actor="x")

    assert other.account_id == "other"


async def test_two_concurrent_creates_of_one_name_yield_exactly_one_hub(
    registry: Registry, make_registry: MakeRegistry
) -> None:
    # Two registries on one database: two replicas racing.
    replica: Registry = await make_registry()

    results = await asyncio.gather(
        registry.create_hub(ACCOUNT, "race_hub", "first", actor=ADMIN),
        replica.create_hub(ACCOUNT, "race_hub", "second", actor=ADMIN),
        return_exceptions=True,
    )

    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1, results
    winner = next(r for r in results if not isinstance(r, BaseException))
    hubs = [hub for hub, _ in await registry.list_hubs(ACCOUNT)]
    assert [(h.name, h.description) for h in hubs] == [("race_hub", winner.description)]


async def test_a_saved_hub_is_active_and_publishes_its_config(
    registry: Registry, published: Published
) -> None:
    await new_hub(registry)

    hub = await registry.get_hub(ACCOUNT, "crm_hub")
    config = published.last(ACCOUNT, "crm_hub")

    assert hub.active is True
    assert hub.description == "our CRM"
    assert config is not None
    assert config["active"] is True
    assert config["destinations"] == []
    assert len(config["signing_secrets_enc"]) == 1  # type: ignore[arg-type]


async def test_description_changes_deactivation_and_activation_are_recorded(
    registry: Registry, published: Published
) -> None:
    await new_hub(registry)

    await registry.update_hub(
        ACCOUNT, "crm_hub", description="new text", active=None, actor=ADMIN
    )
    off = await registry.update_hub(
        ACCOUNT, "crm_hub", description=None, active=False, actor=ADMIN
    )
    assert published.last(ACCOUNT, "crm_hub")["active"] is False  # type: ignore[index]
    on = await registry.update_hub(
        ACCOUNT, "crm_hub", description=None, active=True, actor=ADMIN
    )

    assert (off.active, on.active, on.description) == (False, True, "new text")
    actions = [e.action for e in await registry.audit_log(ACCOUNT, hub_name="crm_hub")]
    assert actions == ["hub.activate", "hub.deactivate", "hub.update", "hub.create"]


async def test_deleting_a_hub_deletes_its_credentials_tokens_and_destinations(
    registry: Registry, published: Published
) -> None:
    await new_hub(registry)
    issued = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )
    token, _ = await registry.issue_token(issued.client_id, issued.api_key)
    await registry.set_connectivity(
        ACCOUNT,
        "crm_hub",
        url="https://crm.example.com/api",
        username="u",
        password="connect-password-1",
        headers=[("X-Api-Token", "header-secret-1")],
        actor=ADMIN,
    )
    await registry.set_destination(
        ACCOUNT,
        "crm_hub",
        event_type="session.created",
        url=HOOK,
        username="",
        password=None,
        actor=ADMIN,
    )

    await registry.delete_hub(ACCOUNT, "crm_hub", actor=ADMIN)

    with pytest.raises(Unauthenticated, match="invalid or expired"):
        await registry.authenticate_bearer(token)
    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.authenticate_basic(issued.client_id, API_PASSWORD)
    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.issue_token(issued.client_id, issued.api_key)
    with pytest.raises(NotFound, match="hub 'crm_hub' not found"):
        await registry.get_hub(ACCOUNT, "crm_hub")
    assert published.last(ACCOUNT, "crm_hub") is None
    async with registry.db.engine.connect() as conn:
        for table in ("credentials", "client_tokens", "connectivity", "destinations"):
            count = await conn.execute(text(f"SELECT count(*) FROM {table}"))
            assert count.scalar_one() == 0, table
    entry = (await registry.audit_log(ACCOUNT, limit=1))[0]
    assert (entry.action, entry.detail) == (
        "hub.delete",
        "credentials and tokens deleted; 1 destination(s) removed",
    )


async def test_a_new_hub_with_a_deleted_hubs_name_starts_empty(
    registry: Registry,
) -> None:
    await new_hub(registry)
    await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )
    await registry.delete_hub(ACCOUNT, "crm_hub", actor=ADMIN)

    hub = await registry.create_hub(ACCOUNT, "crm_hub", "", actor=ADMIN)

    assert await registry.credential_of(hub) is None
    assert await registry.list_destinations(ACCOUNT, "crm_hub") == []


async def test_another_accounts_hub_answers_exactly_like_a_hub_that_does_not_exist(
    registry: Registry,
) -> None:
    await registry.create_account("intruder")
    await registry.create_admin("intruder", "eve", "eve-password-0001")
    eve = ReAuth(username="eve", password="eve-password-0001", actor="eve")
    await new_hub(registry)
    await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )

    async def answers() -> list[str]:
        calls: list[Any] = [
            registry.get_hub("intruder", "crm_hub"),
            registry.update_hub(
                "intruder", "crm_hub", description="x", active=False, actor="eve"
            ),
            registry.generate_credentials(
                "intruder", "crm_hub", who=eve, api_password=API_PASSWORD
            ),
            registry.reveal_api_key("intruder", "crm_hub", who=eve),
            registry.refresh_api_password(
                "intruder", "crm_hub", who=eve, new_api_password="another-pw-0001"
            ),
            registry.signing_secrets("intruder", "crm_hub"),
            registry.rotate_signing_secret("intruder", "crm_hub", actor="eve"),
            registry.get_connectivity("intruder", "crm_hub"),
            registry.list_destinations("intruder", "crm_hub"),
            registry.set_destination(
                "intruder",
                "crm_hub",
                event_type="session.created",
                url=HOOK,
                username="",
                password=None,
                actor="eve",
            ),
            registry.delete_destination(
                "intruder", "crm_hub", "session.created", actor="eve"
            ),
            registry.delete_hub("intruder", "crm_hub", actor="eve"),
        ]
        found = []
        for call in calls:
            with pytest.raises(NotFound) as info:
                await call
            found.append(info.value.detail)
        return found

    while_it_exists = await answers()
    hub = await registry.get_hub(ACCOUNT, "crm_hub")
    assert (hub.active, hub.description) == (True, "our CRM")
    await registry.delete_hub(ACCOUNT, "crm_hub", actor=ADMIN)

    assert while_it_exists == await answers()
    assert set(while_it_exists) == {"hub 'crm_hub' not found"}


# -- credentials ---------------------------------------------------------------------


async def test_wrong_reauthentication_is_refused_recorded_and_generates_nothing(
    registry: Registry,
) -> None:
    await new_hub(registry)
    wrong = ReAuth(username=ADMIN, password="not-my-password", actor=ADMIN)

    with pytest.raises(Unauthenticated, match="re-authentication failed"):
        await registry.generate_credentials(
            ACCOUNT, "crm_hub", who=wrong, api_password=API_PASSWORD
        )

    hub = await registry.get_hub(ACCOUNT, "crm_hub")
    assert await registry.credential_of(hub) is None
    entry = (await registry.audit_log(ACCOUNT, limit=1))[0]
    assert (entry.action, entry.actor, entry.success, entry.detail) == (
        "credentials.generate",
        ADMIN,
        False,
        "re-authentication failed",
    )


async def test_reauthentication_on_a_hub_that_does_not_exist_is_not_found(
    registry: Registry,
) -> None:
    wrong = ReAuth(username=ADMIN, password="not-my-password", actor=ADMIN)

    with pytest.raises(NotFound, match=r"hub 'no\\nhub' not found"):
        await registry.reveal_api_key(ACCOUNT, "no\nhub", who=wrong)

    # Nothing typed into a path reaches the audit log.
    assert await registry.audit_log(ACCOUNT) == []


async def test_reauthentication_must_be_the_logged_in_admins_own(
    registry: Registry,
) -> None:
    await registry.create_admin(ACCOUNT, "second", "second-password-01")
    await new_hub(registry)
    as_other = ReAuth(username="second", password="second-password-01", actor=ADMIN)

    with pytest.raises(Unauthenticated, match="re-authentication failed"):
        await registry.generate_credentials(
            ACCOUNT, "crm_hub", who=as_other, api_password=API_PASSWORD
        )

    hub = await registry.get_hub(ACCOUNT, "crm_hub")
    assert await registry.credential_of(hub) is None


async def test_an_api_password_shorter_than_12_characters_is_refused(
    registry: Registry,
) -> None:
    await new_hub(registry)

    with pytest.raises(InvalidInput, match="at least|12 to 256") as info:
        await registry.generate_credentials(
            ACCOUNT, "crm_hub", who=ME, api_password="11-chars-pw"
        )

    assert info.value.pointer == "/api_password"


async def test_the_api_key_is_stored_encrypted_and_revealed_only_after_reauthentication(
    registry: Registry,
) -> None:
    await new_hub(registry)
    issued = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )
    wrong = ReAuth(username=ADMIN, password="not-my-password", actor=ADMIN)

    with pytest.raises(Unauthenticated, match="re-authentication failed"):
        await registry.reveal_api_key(ACCOUNT, "crm_hub", who=wrong)
    client_id, api_key = await registry.reveal_api_key(ACCOUNT, "crm_hub", who=ME)

    assert (client_id, api_key) == (issued.client_id, issued.api_key)
    dump = await raw_rows(registry)
    assert issued.api_key not in dump
    assert API_PASSWORD not in dump
    actions = [(e.action, e.success) for e in await registry.audit_log(ACCOUNT)]
    assert actions[:3] == [
        ("credentials.reveal", True),
        ("credentials.reveal", False),
        ("credentials.generate", True),
    ]


async def test_tokens_come_from_the_api_key_and_basic_takes_the_api_password(
    registry: Registry,
) -> None:
    await new_hub(registry)
    issued = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )

    token, ttl = await registry.issue_token(issued.client_id, issued.api_key)
    by_token = await registry.authenticate_bearer(token)
    by_basic = await registry.authenticate_basic(issued.client_id, API_PASSWORD)

    assert ttl == 3600
    assert by_token == by_basic
    assert (by_token.account_id, by_token.hub_name) == (ACCOUNT, "crm_hub")
    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.issue_token(issued.client_id, API_PASSWORD)
    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.authenticate_basic(issued.client_id, issued.api_key)


async def test_regenerating_kills_the_old_key_and_every_token_at_once(
    registry: Registry,
) -> None:
    await new_hub(registry)
    old = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )
    tokens = [(await registry.issue_token(old.client_id, old.api_key))[0] for _ in "ab"]

    new = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password="new-api-password-1"
    )

    assert new.client_id == old.client_id
    assert new.api_key != old.api_key
    for token in tokens:
        with pytest.raises(Unauthenticated, match="invalid or expired"):
            await registry.authenticate_bearer(token)
    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.issue_token(old.client_id, old.api_key)
    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.authenticate_basic(old.client_id, API_PASSWORD)
    fresh, _ = await registry.issue_token(new.client_id, new.api_key)
    assert (await registry.authenticate_bearer(fresh)).hub_name == "crm_hub"
    assert (await registry.audit_log(ACCOUNT, limit=1))[0].action == (
        "credentials.regenerate"
    )


async def test_a_refreshed_api_password_must_differ_and_the_old_one_stops_at_once(
    registry: Registry,
) -> None:
    await new_hub(registry)
    issued = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )
    token, _ = await registry.issue_token(issued.client_id, issued.api_key)

    with pytest.raises(InvalidInput, match="must differ from the current one"):
        await registry.refresh_api_password(
            ACCOUNT, "crm_hub", who=ME, new_api_password=API_PASSWORD
        )
    await registry.refresh_api_password(
        ACCOUNT, "crm_hub", who=ME, new_api_password="refreshed-password-1"
    )

    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.authenticate_basic(issued.client_id, API_PASSWORD)
    who = await registry.authenticate_basic(issued.client_id, "refreshed-password-1")
    assert who.hub_name == "crm_hub"
    # The key and its tokens are another credential: untouched.
    assert (await registry.authenticate_bearer(token)).hub_name == "crm_hub"


async def test_a_deactivated_hubs_credentials_and_tokens_stop_working_until_activated(
    registry: Registry,
) -> None:
    await new_hub(registry)
    issued = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )
    token, _ = await registry.issue_token(issued.client_id, issued.api_key)

    await registry.update_hub(
        ACCOUNT, "crm_hub", description=None, active=False, actor=ADMIN
    )
    with pytest.raises(Unauthenticated, match="invalid or expired"):
        await registry.authenticate_bearer(token)
    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.authenticate_basic(issued.client_id, API_PASSWORD)
    with pytest.raises(Unauthenticated, match="invalid client credentials"):
        await registry.issue_token(issued.client_id, issued.api_key)
    await registry.update_hub(
        ACCOUNT, "crm_hub", description=None, active=True, actor=ADMIN
    )

    assert (await registry.authenticate_bearer(token)).hub_name == "crm_hub"
    assert (await registry.authenticate_basic(issued.client_id, API_PASSWORD)).hub_name


async def test_expired_tokens_are_refused_and_purged(
    make_registry: MakeRegistry,
) -> None:
    registry: Registry = await make_registry(client_token_ttl_seconds=60)
    await registry.create_account(ACCOUNT)
    await registry.create_admin(ACCOUNT, ADMIN, ADMIN_PASSWORD)
    await new_hub(registry)
    issued = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )
    token, _ = await registry.issue_token(issued.client_id, issued.api_key)
    # Age the token as the clock would (the TTL cannot go below a minute).
    async with registry.db.engine.begin() as conn:
        await conn.execute(
            update(ClientToken).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
        )

    with pytest.raises(Unauthenticated, match="invalid or expired"):
        await registry.authenticate_bearer(token)
    assert await registry.purge_expired_tokens() == 1


# -- audit log ------------------------------------------------------------------------


async def test_the_audit_log_records_security_actions_and_never_a_secret(
    registry: Registry,
) -> None:
    await new_hub(registry)
    wrong = ReAuth(username=ADMIN, password="wrong-admin-password", actor=ADMIN)
    issued = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password=API_PASSWORD
    )
    with pytest.raises(Unauthenticated):
        await registry.reveal_api_key(ACCOUNT, "crm_hub", who=wrong)
    await registry.reveal_api_key(ACCOUNT, "crm_hub", who=ME)
    regenerated = await registry.generate_credentials(
        ACCOUNT, "crm_hub", who=ME, api_password="second-api-password"
    )
    await registry.refresh_api_password(
        ACCOUNT, "crm_hub", who=ME, new_api_password="third-api-password"
    )
    secret, _ = await registry.rotate_signing_secret(ACCOUNT, "crm_hub", actor=ADMIN)

    entries = await registry.audit_log(ACCOUNT)

    assert [(e.action, e.success) for e in entries] == [
        ("signing_secret.rotate", True),
        ("credentials.password_refresh", True),
        ("credentials.regenerate", True),
        ("credentials.reveal", True),
        ("credentials.reveal", False),
        ("credentials.generate", True),
        ("hub.create", True),
    ]
    text_of_log = json.dumps([e.model_dump(mode="json") for e in entries])
    for secret_value in (
        issued.api_key,
        regenerated.api_key,
        API_PASSWORD,
        "second-api-password",
        "third-api-password",
        ADMIN_PASSWORD,
        "wrong-admin-password",
        secret,
    ):
        assert secret_value not in text_of_log


async def test_one_accounts_audit_log_is_not_readable_from_another(
    registry: Registry,
) -> None:
    await new_hub(registry)
    await registry.create_account("other")

    assert await registry.audit_log("other") == []


# -- connectivity ---------------------------------------------------------------------


async def test_connectivity_secrets_are_encrypted_at_rest(
    registry: Registry, backend: Backend
) -> None:
    await new_hub(registry)

    await registry.set_connectivity(
        ACCOUNT,
        "crm_hub",
        url="https://crm.example.com/api",
        username="hubwire",
        password="connect-password-1",
        headers=[("X-Api-Token", "header-secret-1"), ("X-Tenant", "tenant-7")],
        actor=ADMIN,
    )
    row, password, headers = await registry.get_connectivity(ACCOUNT, "crm_hub")

    assert row is not None and row.url == "https://crm.example.com/api"
    assert password == "connect-password-1"
    assert headers == [
        {"name": "X-Api-Token", "value": "header-secret-1"},
        {"name": "X-Tenant", "value": "tenant-7"},
    ]
    dump = await raw_rows(registry)
    for plain in ("connect-password-1", "header-secret-1", "tenant-7", "X-Api-Token"):
        assert plain not in dump
    if backend.name == "sqlite":
        stored = sqlite_file_bytes(backend)
        assert b"connect-password-1" not in stored
        assert b"header-secret-1" not in stored


async def test_a_masked_value_sent_back_keeps_the_stored_secret(
    registry: Registry,
) -> None:
    await new_hub(registry)
    await registry.set_connectivity(
        ACCOUNT,
        "crm_hub",
        url="https://crm.example.com/api",
        username="hubwire",
        password="connect-password-1",
        headers=[("X-Api-Token", "header-secret-1")],
        actor=ADMIN,
    )

    await registry.set_connectivity(
        ACCOUNT,
        "crm_hub",
        url="https://crm.example.com/v2",
        username="hubwire",
        password=rules.MASKED,
        headers=[("x-api-token", rules.MASKED), ("X-New", "added")],
        actor=ADMIN,
    )

    row, password, headers = await registry.get_connectivity(ACCOUNT, "crm_hub")
    assert row is not None and row.url == "https://crm.example.com/v2"
    assert password == "connect-password-1"
    assert headers == [
        {"name": "x-api-token", "value": "header-secret-1"},
        {"name": "X-New", "value": "added"},
    ]
    with pytest.raises(InvalidInput, match="no stored value to keep"):
        await registry.set_connectivity(
            ACCOUNT,
            "crm_hub",
            url="https://crm.example.com/v2",
            username="",
            password=None,
            headers=[("X-Unknown", rules.MASKED)],
            actor=ADMIN,
        )


async def test_a_bad_header_is_refused_and_nothing_is_saved(
    registry: Registry,
) -> None:
    await new_hub(registry)

    with pytest.raises(InvalidInput, match="not a valid HTTP header name") as info:
        await registry.set_connectivity(
            ACCOUNT,
            "crm_hub",
            url="https://crm.example.com/api",
            username="",
            password=None,
            headers=[("X-Good", "ok"), ("X Bad", "v")],
            actor=ADMIN,
        )

    assert info.value.pointer == "/headers/1/name"
    assert (await registry.get_connectivity(ACCOUNT, "crm_hub"))[0] is None


async def test_a_header_given_twice_is_refused(registry: Registry) -> None:
    await new_hub(registry)

    with pytest.raises(InvalidInput, match="'x-a' is given twice"):
        await registry.set_connectivity(
            ACCOUNT,
            "crm_hub",
            url="https://crm.example.com/api",
            username="",
            password=None,
            headers=[("X-A", "1"), ("x-a", "2")],
            actor=ADMIN,
        )


# -- destinations ---------------------------------------------------------------------


CASES: dict[str, list[str]] = json.loads(
    (shared_cases() / "outbound-urls.json").read_text()
)


async def outcome(save: Any) -> str:
    try:
        await save
    except OutboundURLRefused as exc:
        return f"refused: {exc.reason}"
    return "saved"


async def save_both(registry: Registry, url: str) -> tuple[str, str]:
    """Save ``url`` as a destination and as the app URL; each outcome is
    "saved" or the refusal."""
    destination = registry.set_destination(
        ACCOUNT,
        "crm_hub",
        event_type="session.created",
        url=url,
        username="",
        password=None,
        actor=ADMIN,
    )
    app = registry.set_connectivity(
        ACCOUNT, "crm_hub", url=url, username="", password=None, headers=[], actor=ADMIN
    )
    return await outcome(destination), await outcome(app)


async def test_every_refused_url_of_the_shared_cases_is_refused_in_production(
    registry: Registry,
) -> None:
    await new_hub(registry)

    outcomes = {url: await save_both(registry, url) for url in CASES["refuse"]}

    saved = {url: o for url, o in outcomes.items() if "saved" in o}
    assert saved == {}, "saved although the shared cases refuse them"
    assert await registry.list_destinations(ACCOUNT, "crm_hub") == []
    assert (await registry.get_connectivity(ACCOUNT, "crm_hub"))[0] is None


async def test_every_allowed_url_of_the_shared_cases_is_saved_in_production(
    registry: Registry,
) -> None:
    await new_hub(registry)

    outcomes = {url: await save_both(registry, url) for url in CASES["allow"]}

    assert outcomes == dict.fromkeys(CASES["allow"], ("saved", "saved"))


async def test_http_and_private_addresses_are_allowed_only_by_development_settings(
    make_registry: MakeRegistry,
) -> None:
    development = OutboundPolicy(allow_http=True, allow_private=True)
    registry: Registry = await make_registry(policy=development)
    await registry.create_account(ACCOUNT)
    await new_hub(registry)

    row = await registry.set_destination(
        ACCOUNT,
        "crm_hub",
        event_type="session.created",
        url="http://127.0.0.1:8080/hook",
        username="",
        password=None,
        actor=ADMIN,
    )

    assert row.url == "http://127.0.0.1:8080/hook"
    with pytest.raises(OutboundURLRefused, match="metadata"):
        await registry.set_destination(
            ACCOUNT,
            "crm_hub",
            event_type="session.created",
            url="http://169.254.169.254/latest/meta-data/",
            username="",
            password=None,
            actor=ADMIN,
        )


async def test_an_event_type_outside_the_catalog_is_refused(registry: Registry) -> None:
    await new_hub(registry)

    with pytest.raises(InvalidInput, match="unknown event type 'session.exploded'"):
        await registry.set_destination(
            ACCOUNT,
            "crm_hub",
            event_type="session.exploded",
            url=HOOK,
            username="",
            password=None,
            actor=ADMIN,
        )


async def test_a_destination_password_is_encrypted_at_rest_and_kept_when_omitted(
    registry: Registry, published: Published, backend: Backend
) -> None:
    await new_hub(registry)
    await registry.set_destination(
        ACCOUNT,
        "crm_hub",
        event_type="session.created",
        url=HOOK,
        username="receiver",
        password="destination-password-1",
        actor=ADMIN,
    )

    await registry.set_destination(
        ACCOUNT,
        "crm_hub",
        event_type="session.created",
        url=HOOK + "/v2",
        username="receiver",
        password=None,
        actor=ADMIN,
    )

    config = published.last(ACCOUNT, "crm_hub")
    assert config is not None
    (dest,) = config["destinations"]  # type: ignore[misc]
    assert dest["url"] == HOOK + "/v2"
    assert registry.box.decrypt(dest["password_enc"]) == "destination-password-1"
    assert "destination-password-1" not in json.dumps(config)
    assert "destination-password-1" not in await raw_rows(registry)
    if backend.name == "sqlite":
        assert b"destination-password-1" not in sqlite_file_bytes(backend)


async def test_adding_a_blocked_service_removes_its_destinations_in_every_account(
    registry: Registry, published: Published
) -> None:
    await registry.create_account("other")
    await new_hub(registry)
    await registry.create_hub("other", "bank_hub", "", actor="x")
    for account, hub, event_type, url in (
        (ACCOUNT, "crm_hub", "session.created", "https://a.inspector.example/x"),
        (ACCOUNT, "crm_hub", "session.closed", HOOK),
        ("other", "bank_hub", "form.submitted", "https://INSPECTOR.example./y"),
    ):
        await registry.set_destination(
            account,
            hub,
            event_type=event_type,
            url=url,
            username="",
            password=None,
            actor=ADMIN,
        )

    removed = await registry.add_blocked_service("Inspector.Example", actor="ops")

    assert removed == 2
    assert [
        d.event_type for d in await registry.list_destinations(ACCOUNT, "crm_hub")
    ] == ["session.closed"]
    assert await registry.list_destinations("other", "bank_hub") == []
    assert published.last("other", "bank_hub")["destinations"] == []  # type: ignore[index]
    for account, event_type in (
        (ACCOUNT, "session.created"),
        ("other", "form.submitted"),
    ):
        entry = (await registry.audit_log(account, limit=1))[0]
        assert entry.action == "destination.removed_blocked_service"
        assert entry.actor == "ops"
        assert entry.detail.startswith(f"{event_type} destination on ")
        assert "inspector.example was added to the blocked" in entry.detail
    assert "inspector.example" in registry.settings.blocked_services_path().read_text()
    with pytest.raises(OutboundURLRefused, match="blocked inspection service"):
        await registry.set_destination(
            ACCOUNT,
            "crm_hub",
            event_type="session.created",
            url="https://b.inspector.example/z",
            username="",
            password=None,
            actor=ADMIN,
        )


async def test_a_hand_edit_of_the_blocked_list_removes_destinations_on_reload(
    registry: Registry,
) -> None:
    await new_hub(registry)
    await registry.set_destination(
        ACCOUNT,
        "crm_hub",
        event_type="session.created",
        url="https://bin.handedit.example/x",
        username="",
        password=None,
        actor=ADMIN,
    )
    path = registry.settings.blocked_services_path()
    # No trailing newline: the next addition must not merge with this line.
    path.write_text(path.read_text() + "handedit.example")

    removed = await registry.reload_blocked_services()
    await registry.add_blocked_service("another.example", actor="ops")

    assert removed == 1
    assert await registry.list_destinations(ACCOUNT, "crm_hub") == []
    lines = path.read_text().splitlines()
    assert lines[-2:] == ["handedit.example", "another.example"]


async def test_a_blocked_service_that_is_not_a_domain_is_refused(
    registry: Registry,
) -> None:
    with pytest.raises(InvalidInput, match="'10.0.0.1' is not a domain name"):
        await registry.add_blocked_service("10.0.0.1", actor="ops")

    assert "10.0.0.1" not in registry.settings.blocked_services_path().read_text()


# -- signing secrets ---------------------------------------------------------------


async def test_a_rotated_secret_keeps_the_old_one_during_grace_then_drops_it(
    make_registry: MakeRegistry, published: Published
) -> None:
    registry: Registry = await make_registry(
        published, signing_secret_grace_hours=1.5 / 3600
    )
    await registry.create_account(ACCOUNT)
    await new_hub(registry)
    old, _, _ = await registry.signing_secrets(ACCOUNT, "crm_hub")

    new, expires = await registry.rotate_signing_secret(ACCOUNT, "crm_hub", actor=ADMIN)

    config = published.last(ACCOUNT, "crm_hub")
    assert config is not None
    secrets = [registry.box.decrypt(s) for s in config["signing_secrets_enc"]]  # type: ignore[attr-defined]
    assert secrets == [new, old]
    assert new.startswith("whsec_")
    assert await registry.next_secret_expiry() == expires

    async def one_secret_left() -> bool:
        current = await registry.hub_config(ACCOUNT, "crm_hub")
        return len(current["signing_secrets_enc"]) == 1  # type: ignore[arg-type]

    await wait_for(one_secret_left, what="the grace period to end")
    assert await registry.signing_secrets(ACCOUNT, "crm_hub") == (new, None, None)
    assert await registry.next_secret_expiry() is None


async def test_the_default_grace_period_is_24_hours(registry: Registry) -> None:
    await new_hub(registry)

    _, expires = await registry.rotate_signing_secret(ACCOUNT, "crm_hub", actor=ADMIN)

    secret, previous, until = await registry.signing_secrets(ACCOUNT, "crm_hub")
    assert previous is not None and previous != secret
    assert until is not None
    grace = until - (await registry.get_hub(ACCOUNT, "crm_hub")).created_at
    assert 23.9 < grace.total_seconds() / 3600 < 24.1
    assert until == expires


# -- migrations --------------------------------------------------------------------


async def test_migrations_build_exactly_the_schema_the_models_describe(
    registry: Registry,
) -> None:
    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Table.metadata))

    async with registry.db.engine.connect() as conn:
        diff = await conn.run_sync(differences)

    assert diff == []
    assert await migrate.current(registry.db.engine) == "0001"


async def test_a_database_created_before_migrations_is_adopted(
    backend: Backend,
) -> None:
    db = backend.database()
    try:
        await db.create_all()

        await migrate.upgrade(db.engine)
        await migrate.upgrade(db.engine)

        assert await migrate.current(db.engine) == "0001"
    finally:
        await db.dispose()
