"""Translate a 50-field record in process and through the mapping gRPC API.

    uv run python bench/translate_bench.py [--records N]

Prints records per second for each path and their ratio. The in-process path
uses the compiled mapping tables (built once); the gRPC path is a real
grpc.aio server and client on loopback, one Translate call per record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import grpc

from hubwire.common.db import Database
from hubwire.mapping.models import Table
from hubwire.mapping.service import MappingServicer
from hubwire.mapping.store import MappingStore
from hubwire.rpc.mapping.v1 import mapping_pb2, mapping_pb2_grpc

FIELDS = 50
TYPES = ["string", "number", "integer", "boolean", "email"]
ACCOUNT, HUB = "bench", "crm_hub"


def record() -> dict[str, dict[str, object]]:
    values: dict[str, object] = {}
    for i in range(FIELDS):
        kind = TYPES[i % len(TYPES)]
        values[f"Field_{i}"] = {
            "string": f"value {i}",
            "number": i * 1.5,
            "integer": i,
            "boolean": i % 2 == 0,
            "email": f"user{i}@example.com",
        }[kind]
    return {"Contact": values}


async def build_store(folder: Path) -> MappingStore:
    store = MappingStore(
        Database(f"sqlite+aiosqlite:///{folder / 'm.db'}", Table.metadata)
    )
    await store.db.create_all()
    schema: dict[str, dict[str, str]] = {"Contact": {}}
    for i in range(FIELDS):
        name = f"attr_{i}"
        await store.create_attribute(
            ACCOUNT, name=name, type=TYPES[i % len(TYPES)], label="", description=""
        )
        schema["Contact"][f"Field_{i}"] = name
    await store.import_schema(ACCOUNT, HUB, json.dumps({"objects": schema}))
    return store


async def in_process(store: MappingStore, data: dict[str, object], n: int) -> float:
    compiled = await store.compiled(ACCOUNT, HUB)
    assert len(compiled.translate(data).attributes) == FIELDS
    start = time.perf_counter()
    for _ in range(n):
        compiled.translate(data)
    return n / (time.perf_counter() - start)


async def over_grpc(store: MappingStore, data: dict[str, object], n: int) -> float:
    server = grpc.aio.server()
    mapping_pb2_grpc.add_MappingServiceServicer_to_server(
        MappingServicer(store), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    request = mapping_pb2.TranslateRequest(
        account_id=ACCOUNT, hub_name=HUB, data_json=json.dumps(data)
    )
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = mapping_pb2_grpc.MappingServiceStub(channel)
        reply = await stub.Translate(request)
        assert len(json.loads(reply.attributes_json)) == FIELDS
        sem = asyncio.Semaphore(32)

        async def one() -> None:
            async with sem:
                await stub.Translate(request)

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        rate = n / (time.perf_counter() - start)
    await server.stop(None)
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--grpc-records", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = await build_store(Path(tmp))
        data = record()
        local = await in_process(store, data, args.records)
        remote = await over_grpc(store, data, args.grpc_records)
        await store.db.dispose()
    print(f"record: {FIELDS} fields of {len(TYPES)} types")
    print(f"in-process translation: {local:,.0f} records/s ({args.records} records)")
    print(
        f"gRPC Translate:         {remote:,.0f} records/s "
        f"({args.grpc_records} calls, 32 in flight)"
    )
    print(f"ratio in-process / gRPC: {local / remote:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
