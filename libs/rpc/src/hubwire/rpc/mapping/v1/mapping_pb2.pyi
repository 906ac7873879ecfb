from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Attribute(_message.Message):
    __slots__ = ("name", "type", "label", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    label: str
    description: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreateAttributeRequest(_message.Message):
    __slots__ = ("account_id", "attribute")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    attribute: Attribute
    def __init__(self, account_id: _Optional[str] = ..., attribute: _Optional[_Union[Attribute, _Mapping]] = ...) -> None: ...

class CreateAttributeResponse(_message.Message):
    __slots__ = ("attribute",)
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    attribute: Attribute
    def __init__(self, attribute: _Optional[_Union[Attribute, _Mapping]] = ...) -> None: ...

class ListAttributesRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListAttributesResponse(_message.Message):
    __slots__ = ("attributes",)
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.RepeatedCompositeFieldContainer[Attribute]
    def __init__(self, attributes: _Optional[_Iterable[_Union[Attribute, _Mapping]]] = ...) -> None: ...

class UpdateAttributeRequest(_message.Message):
    __slots__ = ("account_id", "name", "label", "description", "type")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    label: str
    description: str
    type: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class UpdateAttributeResponse(_message.Message):
    __slots__ = ("attribute",)
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    attribute: Attribute
    def __init__(self, attribute: _Optional[_Union[Attribute, _Mapping]] = ...) -> None: ...

class DeleteAttributeRequest(_message.Message):
    __slots__ = ("account_id", "name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DeleteAttributeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ImportNowRequest(_message.Message):
    __slots__ = ("account_id", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ...) -> None: ...

class ImportNowResponse(_message.Message):
    __slots__ = ("report_json",)
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    report_json: str
    def __init__(self, report_json: _Optional[str] = ...) -> None: ...

class ListImportedObjectsRequest(_message.Message):
    __slots__ = ("account_id", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ...) -> None: ...

class ListImportedObjectsResponse(_message.Message):
    __slots__ = ("objects_json",)
    OBJECTS_JSON_FIELD_NUMBER: _ClassVar[int]
    objects_json: str
    def __init__(self, objects_json: _Optional[str] = ...) -> None: ...

class Source(_message.Message):
    __slots__ = ("attribute", "hub_name", "object", "field", "updatable", "broken")
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    UPDATABLE_FIELD_NUMBER: _ClassVar[int]
    BROKEN_FIELD_NUMBER: _ClassVar[int]
    attribute: str
    hub_name: str
    object: str
    field: str
    updatable: bool
    broken: bool
    def __init__(self, attribute: _Optional[str] = ..., hub_name: _Optional[str] = ..., object: _Optional[str] = ..., field: _Optional[str] = ..., updatable: _Optional[bool] = ..., broken: _Optional[bool] = ...) -> None: ...

class AddSourceRequest(_message.Message):
    __slots__ = ("account_id", "source")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    source: Source
    def __init__(self, account_id: _Optional[str] = ..., source: _Optional[_Union[Source, _Mapping]] = ...) -> None: ...

class AddSourceResponse(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: Source
    def __init__(self, source: _Optional[_Union[Source, _Mapping]] = ...) -> None: ...

class RemoveSourceRequest(_message.Message):
    __slots__ = ("account_id", "attribute", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    attribute: str
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., attribute: _Optional[str] = ..., hub_name: _Optional[str] = ...) -> None: ...

class RemoveSourceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSourcesRequest(_message.Message):
    __slots__ = ("account_id", "attribute", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    attribute: str
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., attribute: _Optional[str] = ..., hub_name: _Optional[str] = ...) -> None: ...

class ListSourcesResponse(_message.Message):
    __slots__ = ("sources",)
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    sources: _containers.RepeatedCompositeFieldContainer[Source]
    def __init__(self, sources: _Optional[_Iterable[_Union[Source, _Mapping]]] = ...) -> None: ...

class GetSchemaRequest(_message.Message):
    __slots__ = ("account_id", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ...) -> None: ...

class GetSchemaResponse(_message.Message):
    __slots__ = ("schema_json",)
    SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    schema_json: str
    def __init__(self, schema_json: _Optional[str] = ...) -> None: ...

class ImportSchemaRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "schema_json")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    schema_json: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., schema_json: _Optional[str] = ...) -> None: ...

class ImportSchemaResponse(_message.Message):
    __slots__ = ("schema_json", "dropped_json")
    SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    DROPPED_JSON_FIELD_NUMBER: _ClassVar[int]
    schema_json: str
    dropped_json: str
    def __init__(self, schema_json: _Optional[str] = ..., dropped_json: _Optional[str] = ...) -> None: ...

class EditSchemaRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "operation_json")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    OPERATION_JSON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    operation_json: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., operation_json: _Optional[str] = ...) -> None: ...

class EditSchemaResponse(_message.Message):
    __slots__ = ("schema_json", "pending_json")
    SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    PENDING_JSON_FIELD_NUMBER: _ClassVar[int]
    schema_json: str
    pending_json: str
    def __init__(self, schema_json: _Optional[str] = ..., pending_json: _Optional[str] = ...) -> None: ...

class TranslateRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "data_json")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    data_json: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., data_json: _Optional[str] = ...) -> None: ...

class TranslateResponse(_message.Message):
    __slots__ = ("attributes_json", "unmapped_json")
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    UNMAPPED_JSON_FIELD_NUMBER: _ClassVar[int]
    attributes_json: str
    unmapped_json: str
    def __init__(self, attributes_json: _Optional[str] = ..., unmapped_json: _Optional[str] = ...) -> None: ...

class ToFieldsRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "attributes_json")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    attributes_json: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., attributes_json: _Optional[str] = ...) -> None: ...

class ToFieldsResponse(_message.Message):
    __slots__ = ("fields_json",)
    FIELDS_JSON_FIELD_NUMBER: _ClassVar[int]
    fields_json: str
    def __init__(self, fields_json: _Optional[str] = ...) -> None: ...

class DeleteHubMappingsRequest(_message.Message):
    __slots__ = ("account_id", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ...) -> None: ...

class DeleteHubMappingsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
