"""The new mapping RPCs over a real gRPC server: JSON shapes and errors as
the gateway sees them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import grpc
import pytest

from hubwire.common.errors import Conflict, InvalidInput, NotFound, Unavailable
from hubwire.common.grpcutil import call
from hubwire.mapping.importer import Importer
from hubwire.mapping.service import MappingServicer
from hubwire.mapping.store import MappingStore
from hubwire.rpc.mapping.v1 import mapping_pb2 as pb
from hubwire.rpc.mapping.v1 import mapping_pb2_grpc
from tests.mapping.support import ACCOUNT, ExampleApp, FakeRegistry, add_attribute


async def serve(servicer: MappingServicer) -> tuple[grpc.aio.Server, str]:
    server = grpc.aio.server()
    mapping_pb2_grpc.add_MappingServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}"


@pytest.fixture
async def stub(
    store: MappingStore, importer: Importer
) -> AsyncIterator[mapping_pb2_grpc.MappingServiceStub]:
    server, target = await serve(MappingServicer(store, importer=importer))
    async with grpc.aio.insecure_channel(target) as channel:
        yield mapping_pb2_grpc.MappingServiceStub(channel)
    await server.stop(grace=None)


@pytest.fixture
async def imported(
    stub: mapping_pb2_grpc.MappingServiceStub,
    store: MappingStore,
    example_app: ExampleApp,
    fake_registry: FakeRegistry,
) -> dict[str, object]:
    fake_registry.connect("crm", example_app.import_url)
    await add_attribute(store, "customer_email", "email")
    await add_attribute(store, "credit_score", "integer")
    request = pb.ImportNowRequest(account_id=ACCOUNT, hub_name="crm")
    response = await call(stub.ImportNow, request)
    report: dict[str, object] = json.loads(response.report_json)
    return report


def source(field: str, attribute: str, *, updatable: bool) -> pb.AddSourceRequest:
    return pb.AddSourceRequest(
        account_id=ACCOUNT,
        source=pb.Source(
            attribute=attribute,
            hub_name="crm",
            object="Contact",
            field=field,
            updatable=updatable,
        ),
    )


async def test_import_now_answers_the_report(imported: dict[str, object]) -> None:
    assert set(imported) == {
        "hub", "imported_at", "objects", "first_import", "added", "removed",
        "type_changed", "writable_changed", "broken_sources", "repaired_sources",
        "readonly_sources",
    }  # fmt: skip
    assert imported["hub"] == "crm"
    assert imported["added"] == [{"object": "Account"}, {"object": "Contact"}]


async def test_imported_objects_are_listed_as_json(
    stub: mapping_pb2_grpc.MappingServiceStub, imported: dict[str, object]
) -> None:
    request = pb.ListImportedObjectsRequest(account_id=ACCOUNT, hub_name="crm")
    listed = json.loads((await call(stub.ListImportedObjects, request)).objects_json)

    assert listed["objects"] == imported["objects"]
    assert listed["imported_at"] == imported["imported_at"]

    never = pb.ListImportedObjectsRequest(account_id=ACCOUNT, hub_name="erp")
    empty = json.loads((await call(stub.ListImportedObjects, never)).objects_json)
    assert empty == {"hub": "erp", "imported_at": None, "objects": []}


@pytest.mark.usefixtures("imported")
async def test_sources_are_added_listed_and_removed(
    stub: mapping_pb2_grpc.MappingServiceStub,
) -> None:
    added = await call(
        stub.AddSource, source("Email", "customer_email", updatable=True)
    )
    assert (added.source.field, added.source.updatable, added.source.broken) == (
        "Email", True, False,
    )  # fmt: skip

    listing = pb.ListSourcesRequest(account_id=ACCOUNT, hub_name="crm")
    listed = await call(stub.ListSources, listing)
    assert [s.attribute for s in listed.sources] == ["customer_email"]

    remove = pb.RemoveSourceRequest(
        account_id=ACCOUNT, attribute="customer_email", hub_name="crm"
    )
    await call(stub.RemoveSource, remove)
    assert list((await call(stub.ListSources, listing)).sources) == []
    with pytest.raises(NotFound, match="has no source on hub 'crm'"):
        await call(stub.RemoveSource, remove)


@pytest.mark.usefixtures("imported")
async def test_refusals_cross_the_grpc_edge_as_the_same_errors(
    stub: mapping_pb2_grpc.MappingServiceStub,
) -> None:
    with pytest.raises(InvalidInput, match="not writable") as caught:
        await call(
            stub.AddSource, source("CreditScore", "credit_score", updatable=True)
        )
    assert caught.value.pointer == "/updatable"

    await call(stub.AddSource, source("Email", "customer_email", updatable=False))
    with pytest.raises(Conflict, match="already feeds Attribute 'customer_email'"):
        await call(stub.AddSource, source("Email", "credit_score", updatable=False))


async def test_import_now_without_an_importer_is_unavailable(
    store: MappingStore,
) -> None:
    server, target = await serve(MappingServicer(store))
    try:
        async with grpc.aio.insecure_channel(target) as channel:
            stub = mapping_pb2_grpc.MappingServiceStub(channel)
            request = pb.ImportNowRequest(account_id=ACCOUNT, hub_name="crm")
            with pytest.raises(Unavailable, match="not configured"):
                await call(stub.ImportNow, request)
    finally:
        await server.stop(grace=None)
