"""The registry's command line.

``python -m hubwire.registry serve``
    run the gRPC service (migrates the database first);
``python -m hubwire.registry create-account ACCOUNT ADMIN [--password P]``
    create an account and its first admin, print the password once;
``python -m hubwire.registry block-service DOMAIN``
    add a webhook-inspection service to the operator's list through the
    running registry, which removes every destination on it at once;
``python -m hubwire.registry migrate``
    bring the database to the newest schema and exit (a deploy step).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from hubwire.common import grpcutil, logs, telemetry
from hubwire.common.errors import HubwireError, Unavailable
from hubwire.registry.app import build_registry, open_database, run
from hubwire.registry.settings import RegistrySettings
from hubwire.registry.store import random_password
from hubwire.rpc.registry.v1 import registry_pb2 as pb
from hubwire.rpc.registry.v1 import registry_pb2_grpc


async def create_account(
    account_id: str, username: str, password: str | None
) -> dict[str, str]:
    settings = RegistrySettings()
    registry = await build_registry(settings)
    try:
        password = password or random_password()
        await registry.create_account(account_id)
        await registry.create_admin(account_id, username, password)
        return {"account": account_id, "username": username, "password": password}
    finally:
        await registry.db.dispose()


async def block_service(domain: str) -> int:
    """Through the running service, so its policy and the routers' config
    change at once; returns how many destinations were removed."""
    settings = RegistrySettings()
    async with grpcutil.channel(settings.registry_target) as channel:
        stub = registry_pb2_grpc.RegistryServiceStub(channel)
        try:
            reply = await grpcutil.call(
                stub.AddBlockedService,
                pb.AddBlockedServiceRequest(domain=domain, actor="operator (cli)"),
            )
        except Unavailable as exc:
            raise Unavailable(
                f"no registry answers at {settings.registry_target}; start it, "
                f"or add the domain to {settings.blocked_services_path()} (applied "
                "when the registry runs)"
            ) from exc
    return int(reply.destinations_removed)


async def migrate_only() -> None:
    db = await open_database(RegistrySettings())
    await db.dispose()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m hubwire.registry")
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gRPC service")
    create = sub.add_parser(
        "create-account", help="create an account and its first admin"
    )
    create.add_argument("account")
    create.add_argument("username")
    create.add_argument("--password", help="default: a random one, printed once")
    create.add_argument("--json", action="store_true", help="print the result as JSON")
    block = sub.add_parser(
        "block-service",
        help="refuse a webhook-inspection service and remove its destinations",
    )
    block.add_argument("domain", help="e.g. webhook.site (subdomains included)")
    sub.add_parser("migrate", help="migrate the database to the newest schema")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        settings = RegistrySettings()
        logs.setup("hub-registry", settings.log_level)
        telemetry.setup("hub-registry", settings)
        asyncio.run(run(settings))
        return 0
    try:
        return _command(args)
    except HubwireError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1


def _command(args: argparse.Namespace) -> int:
    if args.command == "migrate":
        asyncio.run(migrate_only())
        print("registry database is at the newest schema")
        return 0
    if args.command == "block-service":
        removed = asyncio.run(block_service(args.domain))
        print(f"{args.domain} blocked; {removed} destination(s) removed")
        return 0

    result = asyncio.run(create_account(args.account, args.username, args.password))
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"account {result['account']}: admin {result['username']}, "
            f"password {result['password']} (shown once)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
