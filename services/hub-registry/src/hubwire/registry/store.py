"""The registry's rules over its tables: every method is scoped to an account.

Anything of another account answers exactly as if it did not exist
(``NotFound`` with the same wording as a hub that exists nowhere).

Every change that routers care about (hubs, destinations, signing secrets)
is followed by a publish of the hub's config (``Publish``); a hub that no
longer exists is published as ``None``, which deletes its key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hubwire.common import crypto, webhooks
from hubwire.common.catalog import EventCatalog
from hubwire.common.db import Database
from hubwire.common.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    OutboundURLRefused,
    Unauthenticated,
)
from hubwire.common.outbound import OutboundPolicy, blocked_domain_of, check_url
from hubwire.common.times import aware, iso
from hubwire.registry import rules
from hubwire.registry.blocked import BlockedList
from hubwire.registry.models import (
    Account,
    Admin,
    AdminToken,
    AuditEntry,
    ClientToken,
    Connectivity,
    Credential,
    Destination,
    Hub,
    utcnow,
)
from hubwire.registry.settings import RegistrySettings

log = logging.getLogger(__name__)

Publish = Callable[[str, str, dict[str, object] | None], Awaitable[None]]
UNKNOWN_USER = "(unknown user)"


@dataclass(frozen=True, kw_only=True)
class ClientIdentity:
    account_id: str
    hub_name: str
    client_id: str


@dataclass(frozen=True, kw_only=True)
class AdminIdentity:
    account_id: str
    username: str


@dataclass(frozen=True, kw_only=True)
class ReAuth:
    """An admin's username and password, given again for a sensitive action.

    ``actor`` is the admin who is logged in; when set, the re-authentication
    must be theirs (another admin's password does not do).
    """

    username: str
    password: str = field(repr=False)
    actor: str = ""


@dataclass(kw_only=True)
class IssuedCredentials:
    client_id: str
    api_key: str = field(repr=False)
    api_password: str = field(repr=False)


class Registry:
    """Accounts, admins, hubs, credentials, connectivity and destinations.

    ``policy`` says which outbound URLs are allowed (private, http); the
    blocked services come from the operator's list file and are added to it.
    """

    def __init__(
        self,
        db: Database,
        *,
        settings: RegistrySettings,
        catalog: EventCatalog,
        policy: OutboundPolicy,
        publish: Publish | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.catalog = catalog
        self.blocked = BlockedList(settings.blocked_services_path())
        self._base_policy = policy
        self.box = settings.secret_box()
        self._publish = publish
        # One lock per hub key: a config read and its put are not interleaved
        # with another publish of the same hub, so the newest state lands last.
        self._publish_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(
            asyncio.Lock
        )

    @property
    def policy(self) -> OutboundPolicy:
        """The outbound policy with the blocked list as last read."""
        listed = self._base_policy.blocked_domains | self.blocked.domains
        return replace(self._base_policy, blocked_domains=listed)

    # -- accounts and admins ------------------------------------------------

    async def create_account(self, account_id: str, *, name: str = "") -> Account:
        rules.account_id(account_id)
        async with self.db.session() as s:
            account = Account(id=account_id, name=name or account_id)
            s.add(account)
            try:
                await s.commit()
            except IntegrityError as exc:
                raise Conflict(f"account {account_id!r} already exists") from exc
            return account

    async def create_admin(self, account_id: str, username: str, password: str) -> None:
        rules.username(username)
        rules.admin_password(password)
        async with self.db.session() as s:
            if await s.get(Account, account_id) is None:
                raise NotFound(f"account {account_id!r} not found")
            s.add(
                Admin(
                    account_id=account_id,
                    username=username,
                    password_hash=crypto.hash_password(password),
                )
            )
            try:
                await s.commit()
            except IntegrityError as exc:
                raise Conflict(f"admin {username!r} already exists") from exc

    async def login(self, account_id: str, username: str, password: str) -> str:
        """A short-lived admin token; a failure is recorded in the account's
        audit log (when the account exists) and answers the same for a wrong
        account, username or password."""
        async with self.db.session() as s:
            admin = await self._find_admin(s, account_id, username)
            if not _password_ok(admin, password):
                await self._record_login_failure(s, account_id, admin)
                raise Unauthenticated("wrong account, username or password")

            assert admin is not None  # _password_ok is False without an admin
            token = crypto.new_token("hwa")
            ttl = timedelta(seconds=self.settings.admin_token_ttl_seconds)
            s.add(
                AdminToken(
                    digest=crypto.token_digest(token),
                    account_id=account_id,
                    admin_id=admin.id,
                    expires_at=utcnow() + ttl,
                )
            )
            await s.commit()
            return token

    async def _record_login_failure(
        self, s: AsyncSession, account_id: str, admin: Admin | None
    ) -> None:
        if await s.get(Account, account_id) is None:
            # Nobody could read an audit log of an account that does not
            # exist; the log line is enough.
            log.warning("admin login failed: unknown account")
            return
        # A name that is no admin's may be a password typed in the wrong
        # field: it is not recorded.
        actor = admin.username if admin else UNKNOWN_USER
        detail = "wrong password" if admin else "unknown username"
        await self._audit(s, account_id, actor, "login", success=False, detail=detail)
        await s.commit()

    async def authenticate_admin(self, token: str) -> AdminIdentity:
        async with self.db.session() as s:
            row = await s.get(AdminToken, crypto.token_digest(token))
            if row is None and token.startswith("hwt_"):
                raise Unauthenticated(
                    "this is a client (API) token; the admin API needs an admin "
                    "token from POST /admin/v1/login"
                )
            if row is None or aware(row.expires_at) < utcnow():
                raise Unauthenticated("the admin token is invalid or expired")
            admin = await s.get(Admin, row.admin_id)
            if admin is None:
                raise Unauthenticated("the admin token is invalid or expired")
            return AdminIdentity(account_id=admin.account_id, username=admin.username)

    async def _find_admin(
        self, s: AsyncSession, account_id: str, username: str
    ) -> Admin | None:
        statement = select(Admin).where(
            Admin.account_id == account_id, Admin.username == username
        )
        return (await s.exec(statement)).first()

    async def _reauth(
        self, s: AsyncSession, account_id: str, hub: str, action: str, who: ReAuth
    ) -> None:
        """Re-authentication for sensitive actions. A failure is recorded and
        committed before the refusal, although the action itself is not done.

        Callers look the hub up first: only attempts on a hub of the account
        are recorded, so a typed path cannot put arbitrary text (another
        account's hub names, line breaks) into the audit log or the log."""
        admin = await self._find_admin(s, account_id, who.username)
        ok = _password_ok(admin, who.password)
        if who.actor and who.username != who.actor:
            ok = False
        if ok:
            return

        known = admin.username if admin else UNKNOWN_USER
        await self._audit(
            s,
            account_id,
            who.actor or known,
            action,
            hub_name=hub,
            success=False,
            detail="re-authentication failed",
        )
        await s.commit()
        raise Unauthenticated("re-authentication failed: wrong username or password")

    # -- hubs ---------------------------------------------------------------

    async def create_hub(
        self, account_id: str, name: str, description: str, *, actor: str
    ) -> Hub:
        rules.hub_name(name)
        rules.description(description)
        async with self.db.session() as s:
            if await s.get(Account, account_id) is None:
                raise NotFound(f"account {account_id!r} not found")
            hub = Hub(
                account_id=account_id,
                name=name,
                description=description,
                signing_secret_enc=self.box.encrypt(webhooks.generate_secret()),
            )
            s.add(hub)
            await self._audit(s, account_id, actor, "hub.create", hub_name=name)
            try:
                await s.commit()
            except IntegrityError as exc:
                # The unique (account, name) constraint decides a race between
                # two creates: exactly one commit wins.
                raise Conflict(f"a hub named {name!r} already exists") from exc
        await self.publish_hub(account_id, name)
        return hub

    async def get_hub(self, account_id: str, name: str) -> Hub:
        async with self.db.session() as s:
            return await self._hub(s, account_id, name)

    async def _hub(self, s: AsyncSession, account_id: str, name: str) -> Hub:
        hub = (
            await s.exec(
                select(Hub).where(Hub.account_id == account_id, Hub.name == name)
            )
        ).first()
        if hub is None:
            raise NotFound(f"hub {name!r} not found")
        return hub

    async def list_hubs(self, account_id: str) -> list[tuple[Hub, Credential | None]]:
        async with self.db.session() as s:
            rows = await s.exec(
                select(Hub, Credential)
                .join(Credential, col(Credential.hub_id) == Hub.id, isouter=True)
                .where(Hub.account_id == account_id)
                .order_by(col(Hub.name))
            )
            return list(rows.all())

    async def credential_of(self, hub: Hub) -> Credential | None:
        async with self.db.session() as s:
            return await self._credential_row(s, hub)

    async def _credential_row(self, s: AsyncSession, hub: Hub) -> Credential | None:
        statement = select(Credential).where(Credential.hub_id == hub.id)
        return (await s.exec(statement)).first()

    async def update_hub(
        self,
        account_id: str,
        name: str,
        *,
        description: str | None,
        active: bool | None,
        actor: str,
    ) -> Hub:
        """Change the description and/or deactivate or activate. A deactivated
        hub keeps everything, but its credentials and tokens are refused and
        routers deliver nothing to it until it is activated again."""
        if description is not None:
            rules.description(description)
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, name)
            if description is not None and description != hub.description:
                hub.description = description
                await self._audit(s, account_id, actor, "hub.update", hub_name=name)
            if active is not None and active != hub.active:
                hub.active = active
                action = "hub.activate" if active else "hub.deactivate"
                await self._audit(s, account_id, actor, action, hub_name=name)
            s.add(hub)
            await s.commit()
        await self.publish_hub(account_id, name)
        return hub

    async def delete_hub(self, account_id: str, name: str, *, actor: str) -> None:
        """Delete a hub with its credentials, tokens, connectivity and
        destinations, in one transaction: its client ID, API key, API password
        and every bearer token stop working at once.

        The hub's config key is then deleted from the routers' bucket; a
        pending delivery to one of its destinations ends as failed ("the
        destination or its hub no longer exists"). Field mappings live in the
        mapping service: the gateway deletes them after this call.
        """
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, name)
            cred = await self._credential_row(s, hub)
            if cred is not None:
                await s.exec(
                    delete(ClientToken).where(col(ClientToken.credential_id) == cred.id)
                )
                await s.delete(cred)
            removed = await s.exec(
                delete(Destination).where(col(Destination.hub_id) == hub.id)
            )
            await s.exec(delete(Connectivity).where(col(Connectivity.hub_id) == hub.id))
            await s.delete(hub)
            detail = (
                f"credentials {'and tokens ' if cred else ''}deleted; "
                f"{removed.rowcount} destination(s) removed"
            )
            await self._audit(
                s, account_id, actor, "hub.delete", hub_name=name, detail=detail
            )
            await s.commit()
        await self.publish_hub(account_id, name)

    # -- credentials --------------------------------------------------------

    async def generate_credentials(
        self, account_id: str, hub_name: str, *, who: ReAuth, api_password: str
    ) -> IssuedCredentials:
        """Generate (or regenerate) a hub's Client ID, API Key and API
        Password. Regenerating keeps the Client ID, and kills the old key and
        every token issued with it at once (the token rows are deleted and the
        generation bumped, in the same transaction)."""
        rules.api_password(
            api_password,
            min_length=self.settings.api_password_min_length,
            pointer="/api_password",
        )
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            await self._reauth(s, account_id, hub_name, "credentials.generate", who)
            cred = await self._credential_row(s, hub) or Credential(
                hub_id=hub.id,
                client_id=crypto.new_token("hwc", 12),
                api_key_enc="",
                api_key_digest="",
                api_password_hash="",
                generation=0,
            )
            action = "credentials.generate"
            if cred.generation:
                action = "credentials.regenerate"

            api_key = crypto.new_token("hwk")
            cred.api_key_enc = self.box.encrypt(api_key)
            cred.api_key_digest = crypto.token_digest(api_key)
            cred.api_password_hash = crypto.hash_password(api_password)
            cred.generation += 1
            s.add(cred)
            await s.exec(
                delete(ClientToken).where(col(ClientToken.credential_id) == cred.id)
            )
            await self._audit(s, account_id, who.username, action, hub_name=hub_name)
            await s.commit()
            return IssuedCredentials(
                client_id=cred.client_id, api_key=api_key, api_password=api_password
            )

    async def reveal_api_key(
        self, account_id: str, hub_name: str, *, who: ReAuth
    ) -> tuple[str, str]:
        async with self.db.session() as s:
            await self._hub(s, account_id, hub_name)
            await self._reauth(s, account_id, hub_name, "credentials.reveal", who)
            cred = await self._credential(s, account_id, hub_name)
            await self._audit(
                s, account_id, who.username, "credentials.reveal", hub_name=hub_name
            )
            await s.commit()
            return cred.client_id, self.box.decrypt(cred.api_key_enc)

    async def refresh_api_password(
        self, account_id: str, hub_name: str, *, who: ReAuth, new_api_password: str
    ) -> None:
        """Set a new API Password; the old one stops working at once. The API
        Key and the tokens issued with it are not affected."""
        rules.api_password(
            new_api_password,
            min_length=self.settings.api_password_min_length,
            pointer="/new_api_password",
        )
        action = "credentials.password_refresh"
        async with self.db.session() as s:
            await self._hub(s, account_id, hub_name)
            await self._reauth(s, account_id, hub_name, action, who)
            cred = await self._credential(s, account_id, hub_name)
            if crypto.verify_password(cred.api_password_hash, new_api_password):
                raise InvalidInput(
                    "the new API password must differ from the current one",
                    pointer="/new_api_password",
                )
            cred.api_password_hash = crypto.hash_password(new_api_password)
            s.add(cred)
            await self._audit(s, account_id, who.username, action, hub_name=hub_name)
            await s.commit()

    async def _credential(
        self, s: AsyncSession, account_id: str, hub_name: str
    ) -> Credential:
        hub = await self._hub(s, account_id, hub_name)
        cred = await self._credential_row(s, hub)
        if cred is None:
            raise NotFound(f"hub {hub_name!r} has no API credentials yet")
        return cred

    async def issue_token(self, client_id: str, api_key: str) -> tuple[str, int]:
        """A bearer token for ``client_id:api_key`` (OAuth2 client
        credentials); refused for a deactivated or deleted hub."""
        async with self.db.session() as s:
            cred, _ = await self._active_credential(s, client_id)
            if cred is None or not crypto.same(
                cred.api_key_digest, crypto.token_digest(api_key)
            ):
                raise Unauthenticated("invalid client credentials")
            token = crypto.new_token("hwt")
            ttl = self.settings.client_token_ttl_seconds
            s.add(
                ClientToken(
                    digest=crypto.token_digest(token),
                    credential_id=cred.id,
                    generation=cred.generation,
                    expires_at=utcnow() + timedelta(seconds=ttl),
                )
            )
            await s.commit()
            return token, ttl

    async def authenticate_bearer(self, token: str) -> ClientIdentity:
        async with self.db.session() as s:
            row = await s.get(ClientToken, crypto.token_digest(token))
            if row is None and token.startswith("hwa_"):
                raise Unauthenticated(
                    "this is an admin token; the public API needs a client token "
                    "from POST /oauth/token or HTTP Basic client_id:api_password"
                )
            if row is None or aware(row.expires_at) < utcnow():
                raise Unauthenticated("the access token is invalid or expired")
            cred = await s.get(Credential, row.credential_id)
            hub = await s.get(Hub, cred.hub_id) if cred else None
            if (
                cred is None
                or hub is None
                or not hub.active
                or row.generation != cred.generation
            ):
                raise Unauthenticated("the access token is invalid or expired")
            return ClientIdentity(
                account_id=hub.account_id, hub_name=hub.name, client_id=cred.client_id
            )

    async def authenticate_basic(
        self, client_id: str, api_password: str
    ) -> ClientIdentity:
        async with self.db.session() as s:
            cred, hub = await self._active_credential(s, client_id)
            stored = cred.api_password_hash if cred else crypto.DUMMY_HASH
            ok = crypto.verify_password(stored, api_password)
            if cred is None or hub is None or not ok:
                raise Unauthenticated("invalid client credentials")
            return ClientIdentity(
                account_id=hub.account_id, hub_name=hub.name, client_id=client_id
            )

    async def _active_credential(
        self, s: AsyncSession, client_id: str
    ) -> tuple[Credential | None, Hub | None]:
        cred = (
            await s.exec(select(Credential).where(Credential.client_id == client_id))
        ).first()
        hub = await s.get(Hub, cred.hub_id) if cred else None
        if cred is None or hub is None or not hub.active:
            return None, None
        return cred, hub

    async def purge_expired_tokens(self) -> int:
        """Delete expired admin and client tokens (they are refused anyway)."""
        now = utcnow()
        async with self.db.session() as s:
            admins = await s.exec(
                delete(AdminToken).where(col(AdminToken.expires_at) < now)
            )
            clients = await s.exec(
                delete(ClientToken).where(col(ClientToken.expires_at) < now)
            )
            await s.commit()
            return int(admins.rowcount or 0) + int(clients.rowcount or 0)

    # -- signing secrets ----------------------------------------------------

    async def signing_secrets(
        self, account_id: str, hub_name: str
    ) -> tuple[str, str | None, datetime | None]:
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            previous = self._live_previous(hub)
            return (
                self.box.decrypt(hub.signing_secret_enc),
                previous,
                hub.previous_expires_at if previous else None,
            )

    def _live_previous(self, hub: Hub) -> str | None:
        if (
            hub.previous_secret_enc
            and hub.previous_expires_at
            and aware(hub.previous_expires_at) > utcnow()
        ):
            return self.box.decrypt(hub.previous_secret_enc)
        return None

    async def rotate_signing_secret(
        self, account_id: str, hub_name: str, *, actor: str
    ) -> tuple[str, datetime]:
        """A new signing secret; the current one keeps signing beside it for
        the grace period (``signing_secret_grace_hours``). Rotating again
        within the grace period drops the oldest secret."""
        grace = timedelta(hours=self.settings.signing_secret_grace_hours)
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            secret = webhooks.generate_secret()
            hub.previous_secret_enc = hub.signing_secret_enc
            hub.previous_expires_at = utcnow() + grace
            hub.signing_secret_enc = self.box.encrypt(secret)
            s.add(hub)
            await self._audit(
                s, account_id, actor, "signing_secret.rotate", hub_name=hub_name
            )
            await s.commit()
            expires = hub.previous_expires_at
        await self.publish_hub(account_id, hub_name)
        return secret, expires

    async def next_secret_expiry(self) -> datetime | None:
        """When the next grace period ends, so the config can be published
        again without the old secret right then."""
        async with self.db.session() as s:
            statement = select(func.min(Hub.previous_expires_at)).where(
                col(Hub.previous_expires_at) > utcnow()
            )
            when = (await s.exec(statement)).one()
            return aware(when) if when else None

    # -- connectivity -------------------------------------------------------

    async def set_connectivity(
        self,
        account_id: str,
        hub_name: str,
        *,
        url: str,
        username: str,
        password: str | None,
        headers: list[tuple[str, str]],
        actor: str,
    ) -> Connectivity:
        """Save the app's URL, username, password and extra headers. The
        password and the header values are stored encrypted. ``password``
        ``None`` or the mask keeps the stored one; ``""`` clears it; a header
        value equal to the mask keeps that header's stored value."""
        self._check_outbound(url)
        rules.basic_username(username)
        rules.headers(headers)
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            row = await s.get(Connectivity, hub.id) or Connectivity(
                hub_id=hub.id, url=url
            )
            stored = self._headers(row)
            checked = [
                _keep_masked(n, v, i, stored) for i, (n, v) in enumerate(headers)
            ]
            row.url, row.username = url, username
            if password is not None and password != rules.MASKED:
                row.password_enc = self.box.encrypt(password) if password else None
            row.headers_enc = self.box.encrypt(
                json.dumps([{"name": n, "value": v} for n, v in checked])
            )
            s.add(row)
            await self._audit(
                s, account_id, actor, "connectivity.set", hub_name=hub_name
            )
            await s.commit()
            return row

    def _check_outbound(self, url: str) -> None:
        try:
            check_url(url, policy=self.policy)
        except OutboundURLRefused as exc:
            raise OutboundURLRefused(exc.url, exc.reason, pointer="/url") from exc

    def _headers(self, row: Connectivity) -> list[dict[str, str]]:
        if not row.headers_enc:
            return []
        return list(json.loads(self.box.decrypt(row.headers_enc)))

    async def get_connectivity(
        self, account_id: str, hub_name: str
    ) -> tuple[Connectivity | None, str, list[dict[str, str]]]:
        """The row, the password in clear and the headers in clear; callers
        decide what to mask."""
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            row = await s.get(Connectivity, hub.id)
            if row is None:
                return None, "", []
            password = self.box.decrypt(row.password_enc) if row.password_enc else ""
            return row, password, self._headers(row)

    # -- destinations -------------------------------------------------------

    async def set_destination(
        self,
        account_id: str,
        hub_name: str,
        *,
        event_type: str,
        url: str,
        username: str,
        password: str | None,
        actor: str,
    ) -> Destination:
        """Save one event type's webhook. The URL must pass the outbound
        policy (https, no private or metadata address, no blocked service).
        ``password`` ``None`` or the mask keeps the stored one; ``""`` clears
        it. Saving re-enables a destination a router had disabled."""
        self._destination_event_type(event_type)
        self._check_outbound(url)
        rules.basic_username(username)
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            row = (
                await s.exec(
                    select(Destination).where(
                        Destination.hub_id == hub.id,
                        Destination.event_type == event_type,
                    )
                )
            ).first() or Destination(hub_id=hub.id, event_type=event_type, url=url)
            row.url, row.username = url, username
            if password is not None and password != rules.MASKED:
                row.password_enc = self.box.encrypt(password) if password else None
            row.disabled, row.disabled_reason, row.updated_at = False, "", utcnow()
            s.add(row)
            await self._audit(
                s,
                account_id,
                actor,
                "destination.set",
                hub_name=hub_name,
                detail=event_type,
            )
            await s.commit()
        await self.publish_hub(account_id, hub_name)
        return row

    def _destination_event_type(self, event_type: str) -> None:
        if event_type not in self.catalog.names():
            raise InvalidInput(
                f"unknown event type {event_type!r}; see the event catalog",
                pointer="/event_type",
            )

    async def delete_destination(
        self, account_id: str, hub_name: str, event_type: str, *, actor: str
    ) -> None:
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            result = await s.exec(
                delete(Destination).where(
                    col(Destination.hub_id) == hub.id,
                    col(Destination.event_type) == event_type,
                )
            )
            if not result.rowcount:
                raise NotFound(
                    f"hub {hub_name!r} has no destination for {event_type!r}"
                )
            await self._audit(
                s,
                account_id,
                actor,
                "destination.delete",
                hub_name=hub_name,
                detail=event_type,
            )
            await s.commit()
        await self.publish_hub(account_id, hub_name)

    async def list_destinations(
        self, account_id: str, hub_name: str
    ) -> list[Destination]:
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            rows = await s.exec(select(Destination).where(Destination.hub_id == hub.id))
            return list(rows.all())

    async def disable_destination(
        self, account_id: str, destination_id: str, reason: str
    ) -> None:
        """A router disables a destination that answered 410 Gone."""
        async with self.db.session() as s:
            row = await s.get(Destination, destination_id)
            hub = await s.get(Hub, row.hub_id) if row else None
            if row is None or hub is None or hub.account_id != account_id:
                raise NotFound(f"destination {destination_id!r} not found")
            row.disabled, row.disabled_reason = True, reason
            s.add(row)
            await self._audit(
                s,
                account_id,
                "events-router",
                "destination.disable",
                hub_name=hub.name,
                detail=f"{row.event_type}: {reason}",
            )
            await s.commit()
            hub_name = hub.name
        await self.publish_hub(account_id, hub_name)

    # -- blocked services ---------------------------------------------------

    async def add_blocked_service(self, domain: str, *, actor: str) -> int:
        """Add a webhook-inspection service to the operator's list file, then
        remove every destination on it (every account); returns how many."""
        domain = rules.domain(domain)
        self.blocked.add(domain)
        log.info("blocked service added domain=%s actor=%s", domain, actor)
        return await self.remove_blocked_destinations(frozenset({domain}), actor=actor)

    async def reload_blocked_services(self) -> int:
        """Apply a hand edit of the list file: destinations on newly listed
        domains are removed. Returns how many."""
        added = self.blocked.reload()
        if not added:
            return 0
        return await self.remove_blocked_destinations(added, actor="operator")

    async def remove_blocked_destinations(
        self, domains: frozenset[str], *, actor: str
    ) -> int:
        """Delete every destination on one of ``domains`` (or a subdomain),
        record why in the audit log of each affected hub's account, and
        publish the hubs' new configs. Returns how many were removed.

        Scans every destination: adding a service is a rare operator action,
        and a prefilter in SQL would miss hosts spelled in Unicode.
        """
        touched: set[tuple[str, str]] = set()
        removed = 0
        async with self.db.session() as s:
            rows = await s.exec(
                select(Destination, Hub).join(Hub, col(Hub.id) == Destination.hub_id)
            )
            for dest, hub in rows.all():
                host = _host_of(dest.url)
                listed = blocked_domain_of(host, domains) if host else None
                if listed is None:
                    continue
                await s.delete(dest)
                removed += 1
                touched.add((hub.account_id, hub.name))
                await self._audit(
                    s,
                    hub.account_id,
                    actor,
                    "destination.removed_blocked_service",
                    hub_name=hub.name,
                    detail=f"{dest.event_type} destination on {host} removed: "
                    f"{listed} was added to the blocked webhook-inspection "
                    "services",
                )
            await s.commit()
        for account_id, hub_name in sorted(touched):
            await self.publish_hub(account_id, hub_name)
        return removed

    # -- audit --------------------------------------------------------------

    async def _audit(
        self,
        s: AsyncSession,
        account_id: str,
        actor: str,
        action: str,
        *,
        hub_name: str = "",
        detail: str = "",
        success: bool = True,
    ) -> None:
        """Add an audit entry to the session's transaction. Never pass a
        secret in ``detail``: the log is readable by every admin."""
        s.add(
            AuditEntry(
                account_id=account_id,
                actor=actor,
                action=action,
                hub_name=hub_name,
                detail=detail,
                success=success,
            )
        )
        log.info(
            "audit account=%s actor=%s action=%s hub=%s success=%s",
            account_id,
            actor,
            action,
            hub_name,
            success,
        )

    async def audit_log(
        self, account_id: str, limit: int = 100, *, hub_name: str = ""
    ) -> list[AuditEntry]:
        """The account's entries, newest first (at most 1000)."""
        statement = select(AuditEntry).where(AuditEntry.account_id == account_id)
        if hub_name:
            statement = statement.where(AuditEntry.hub_name == hub_name)
        statement = statement.order_by(col(AuditEntry.at).desc()).limit(
            max(1, min(limit or 100, 1000))
        )
        async with self.db.session() as s:
            return list((await s.exec(statement)).all())

    # -- config for the routers ---------------------------------------------

    async def hub_config(self, account_id: str, hub_name: str) -> dict[str, object]:
        """What a router needs to deliver a hub's events; secrets stay
        encrypted with the shared key. During a rotation's grace period
        ``signing_secrets_enc`` holds the new secret first, then the old."""
        async with self.db.session() as s:
            hub = await self._hub(s, account_id, hub_name)
            dests = (
                await s.exec(select(Destination).where(Destination.hub_id == hub.id))
            ).all()
        secrets_enc = [hub.signing_secret_enc]
        live_previous = self._live_previous(hub) is not None
        if live_previous:
            secrets_enc.append(hub.previous_secret_enc or "")
        return {
            "account_id": account_id,
            "hub": hub.name,
            "active": hub.active,
            "signing_secrets_enc": secrets_enc,
            "previous_expires_at": iso(hub.previous_expires_at)
            if live_previous and hub.previous_expires_at
            else None,
            "destinations": [_destination_config(d) for d in dests],
        }

    async def publish_hub(self, account_id: str, hub_name: str) -> None:
        """Publish the hub's current config, or its deletion when the hub no
        longer exists."""
        if self._publish is None:
            return
        async with self._publish_locks[(account_id, hub_name)]:
            try:
                config: dict[str, object] | None = await self.hub_config(
                    account_id, hub_name
                )
            except NotFound:
                config = None
            await self._publish(account_id, hub_name, config)

    async def all_hub_keys(self) -> list[tuple[str, str]]:
        async with self.db.session() as s:
            rows = await s.exec(select(Hub.account_id, Hub.name))
            return [(a, n) for a, n in rows.all()]


def _password_ok(admin: Admin | None, password: str) -> bool:
    # An unknown user is checked against a dummy hash, so the answer takes
    # as long as for a wrong password and usernames cannot be probed.
    stored = admin.password_hash if admin else crypto.DUMMY_HASH
    return crypto.verify_password(stored, password) and admin is not None


def _keep_masked(
    name: str, value: str, index: int, stored: list[dict[str, str]]
) -> tuple[str, str]:
    if value != rules.MASKED:
        return name, value
    for header in stored:
        if header["name"].lower() == name.lower():
            return name, header["value"]
    raise InvalidInput(
        f"header {name!r} has no stored value to keep; send its value",
        pointer=f"/headers/{index}/value",
    )


def _destination_config(d: Destination) -> dict[str, object]:
    return {
        "id": d.id,
        "event_type": d.event_type,
        "url": d.url,
        "username": d.username,
        "password_enc": d.password_enc,
        "disabled": d.disabled,
    }


def _host_of(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def random_password() -> str:
    return secrets.token_urlsafe(18)
