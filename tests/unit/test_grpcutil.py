"""Errors cross the gRPC edge intact: class, detail and JSON Pointer, even for
non-ASCII or huge names, and database races become conflicts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from sqlalchemy.exc import DataError, IntegrityError

from hubwire.common.errors import Conflict, HubwireError, InvalidInput
from hubwire.common.grpcutil import MAX_DETAIL, call, rpc_errors

RAISES: dict[str, BaseException] = {
    "non_ascii": InvalidInput("key 税率 is bad", pointer="/objects/Steuer/税率"),
    "huge": InvalidInput("x" * 20_000, pointer="/" + "a" * 20_000),
    "race": IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed")),
    "nul": DataError("INSERT …", {}, Exception("invalid byte sequence 0x00")),
}


class Servicer:
    @rpc_errors
    async def Fail(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise RAISES[request.decode()]


@pytest.fixture
async def fail() -> AsyncIterator[grpc.aio.UnaryUnaryMultiCallable]:
    servicer = Servicer()
    handler = grpc.method_handlers_generic_handler(
        "test.Errors",
        {"Fail": grpc.unary_unary_rpc_method_handler(servicer.Fail)},
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield channel.unary_unary("/test.Errors/Fail")
    await server.stop(None)


async def test_a_non_ascii_pointer_comes_back_byte_for_byte(fail) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="key 税率 is bad") as caught:
        await call(fail, b"non_ascii")
    assert caught.value.pointer == "/objects/Steuer/税率"


async def test_a_huge_detail_is_shortened_instead_of_breaking_the_call(fail) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        await call(fail, b"huge")
    assert len(caught.value.detail) == MAX_DETAIL
    assert caught.value.detail.endswith("…")


async def test_a_unique_constraint_race_is_a_conflict(fail) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict, match="concurrent change"):
        await call(fail, b"race")


async def test_text_the_database_cannot_store_is_invalid_input(fail) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="cannot be stored") as caught:
        await call(fail, b"nul")
    assert not isinstance(caught.value, Conflict)
    assert isinstance(caught.value, HubwireError)
