"""The mapping service's gRPC API."""

from __future__ import annotations

import json

import grpc

from hubwire.common.errors import InvalidInput, Unavailable
from hubwire.common.grpcutil import rpc_errors
from hubwire.mapping import schema as schema_format
from hubwire.mapping.imported import ImportedCatalogue
from hubwire.mapping.importer import Importer
from hubwire.mapping.models import Attribute, AttributeSource
from hubwire.mapping.sources import SourceRules, SourceSpec
from hubwire.mapping.store import MappingStore
from hubwire.rpc.mapping.v1 import mapping_pb2 as pb
from hubwire.rpc.mapping.v1 import mapping_pb2_grpc

Ctx = grpc.aio.ServicerContext


def attribute_message(row: Attribute) -> pb.Attribute:
    return pb.Attribute(
        name=row.name, type=row.type, label=row.label, description=row.description
    )


def source_message(row: AttributeSource) -> pb.Source:
    return pb.Source(
        attribute=row.attribute,
        hub_name=row.hub_name,
        object=row.object,
        field=row.field,
        updatable=row.updatable,
        broken=row.broken,
    )


def _json(text: str, what: str) -> object:
    try:
        return json.loads(text) if text else {}
    except ValueError as exc:
        raise InvalidInput(f"{what} is not valid JSON", pointer=f"/{what}") from exc


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class MappingServicer(mapping_pb2_grpc.MappingServiceServicer):
    """``importer`` is optional so that translation-only uses (benchmarks,
    tests) need no registry; without it ImportNow answers UNAVAILABLE."""

    def __init__(
        self, store: MappingStore, *, importer: Importer | None = None
    ) -> None:
        self.store = store
        self.importer = importer
        self.catalogue = ImportedCatalogue(store)
        self.sources = SourceRules(store)

    @rpc_errors
    async def CreateAttribute(
        self, request: pb.CreateAttributeRequest, context: Ctx
    ) -> pb.CreateAttributeResponse:
        a = request.attribute
        row = await self.store.create_attribute(
            request.account_id,
            name=a.name,
            type=a.type,
            label=a.label,
            description=a.description,
        )
        return pb.CreateAttributeResponse(attribute=attribute_message(row))

    @rpc_errors
    async def ListAttributes(
        self, request: pb.ListAttributesRequest, context: Ctx
    ) -> pb.ListAttributesResponse:
        rows = await self.store.list_attributes(request.account_id)
        return pb.ListAttributesResponse(
            attributes=[attribute_message(r) for r in rows]
        )

    @rpc_errors
    async def UpdateAttribute(
        self, request: pb.UpdateAttributeRequest, context: Ctx
    ) -> pb.UpdateAttributeResponse:
        row = await self.store.update_attribute(
            request.account_id,
            request.name,
            label=request.label if request.HasField("label") else None,
            description=request.description
            if request.HasField("description")
            else None,
            type=request.type if request.HasField("type") else None,
        )
        return pb.UpdateAttributeResponse(attribute=attribute_message(row))

    @rpc_errors
    async def DeleteAttribute(
        self, request: pb.DeleteAttributeRequest, context: Ctx
    ) -> pb.DeleteAttributeResponse:
        await self.store.delete_attribute(request.account_id, request.name)
        return pb.DeleteAttributeResponse()

    @rpc_errors
    async def ImportNow(
        self, request: pb.ImportNowRequest, context: Ctx
    ) -> pb.ImportNowResponse:
        if self.importer is None:
            raise Unavailable("Import now is not configured in this process")
        report = await self.importer.import_now(request.account_id, request.hub_name)
        return pb.ImportNowResponse(report_json=dumps(report.to_json()))

    @rpc_errors
    async def ListImportedObjects(
        self, request: pb.ListImportedObjectsRequest, context: Ctx
    ) -> pb.ListImportedObjectsResponse:
        catalogue = await self.catalogue.get(request.account_id, request.hub_name)
        return pb.ListImportedObjectsResponse(objects_json=dumps(catalogue.to_json()))

    @rpc_errors
    async def AddSource(
        self, request: pb.AddSourceRequest, context: Ctx
    ) -> pb.AddSourceResponse:
        src = request.source
        spec = SourceSpec(
            attribute=src.attribute,
            hub_name=src.hub_name,
            object=src.object,
            field=src.field,
            updatable=src.updatable,
        )
        row = await self.sources.add(request.account_id, spec)
        return pb.AddSourceResponse(source=source_message(row))

    @rpc_errors
    async def RemoveSource(
        self, request: pb.RemoveSourceRequest, context: Ctx
    ) -> pb.RemoveSourceResponse:
        await self.sources.remove(
            request.account_id, request.attribute, request.hub_name
        )
        return pb.RemoveSourceResponse()

    @rpc_errors
    async def ListSources(
        self, request: pb.ListSourcesRequest, context: Ctx
    ) -> pb.ListSourcesResponse:
        rows = await self.sources.find(
            request.account_id, attribute=request.attribute, hub_name=request.hub_name
        )
        return pb.ListSourcesResponse(sources=[source_message(r) for r in rows])

    @rpc_errors
    async def GetSchema(
        self, request: pb.GetSchemaRequest, context: Ctx
    ) -> pb.GetSchemaResponse:
        specs = await self.store.schema(request.account_id, request.hub_name)
        return pb.GetSchemaResponse(
            schema_json=dumps(schema_format.export(request.hub_name, specs))
        )

    @rpc_errors
    async def ImportSchema(
        self, request: pb.ImportSchemaRequest, context: Ctx
    ) -> pb.ImportSchemaResponse:
        specs, dropped = await self.store.import_schema(
            request.account_id, request.hub_name, request.schema_json
        )
        return pb.ImportSchemaResponse(
            schema_json=dumps(schema_format.export(request.hub_name, specs)),
            dropped_json=dumps(dropped),
        )

    @rpc_errors
    async def EditSchema(
        self, request: pb.EditSchemaRequest, context: Ctx
    ) -> pb.EditSchemaResponse:
        op = _json(request.operation_json, "operation")
        if not isinstance(op, dict):
            raise InvalidInput("an operation is a JSON object", pointer="")
        specs, pending = await self.store.edit_schema(
            request.account_id, request.hub_name, op
        )
        return pb.EditSchemaResponse(
            schema_json=dumps(schema_format.export(request.hub_name, specs)),
            pending_json=dumps(pending) if pending is not None else "",
        )

    @rpc_errors
    async def Translate(
        self, request: pb.TranslateRequest, context: Ctx
    ) -> pb.TranslateResponse:
        data = _json(request.data_json, "data")
        result = await self.store.translate(request.account_id, request.hub_name, data)
        return pb.TranslateResponse(
            attributes_json=dumps(result.attributes),
            unmapped_json=dumps(result.unmapped),
        )

    @rpc_errors
    async def ToFields(
        self, request: pb.ToFieldsRequest, context: Ctx
    ) -> pb.ToFieldsResponse:
        attributes = _json(request.attributes_json, "attributes")
        if not isinstance(attributes, dict):
            raise InvalidInput("attributes must be an object", pointer="/attributes")
        fields = await self.store.to_fields(
            request.account_id, request.hub_name, attributes
        )
        return pb.ToFieldsResponse(fields_json=dumps(fields))

    @rpc_errors
    async def DeleteHubMappings(
        self, request: pb.DeleteHubMappingsRequest, context: Ctx
    ) -> pb.DeleteHubMappingsResponse:
        await self.store.delete_hub(request.account_id, request.hub_name)
        return pb.DeleteHubMappingsResponse()
