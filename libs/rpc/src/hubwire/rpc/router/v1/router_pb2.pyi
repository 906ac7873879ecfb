from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Attempt(_message.Message):
    __slots__ = ("number", "at", "status_code", "latency_ms", "error", "response_body")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BODY_FIELD_NUMBER: _ClassVar[int]
    number: int
    at: str
    status_code: int
    latency_ms: int
    error: str
    response_body: str
    def __init__(self, number: _Optional[int] = ..., at: _Optional[str] = ..., status_code: _Optional[int] = ..., latency_ms: _Optional[int] = ..., error: _Optional[str] = ..., response_body: _Optional[str] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("id", "event_id", "event_type", "hub_name", "session_id", "url", "status", "created_at", "updated_at", "attempts", "reason", "destination_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    event_id: str
    event_type: str
    hub_name: str
    session_id: str
    url: str
    status: str
    created_at: str
    updated_at: str
    attempts: _containers.RepeatedCompositeFieldContainer[Attempt]
    reason: str
    destination_id: str
    def __init__(self, id: _Optional[str] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., hub_name: _Optional[str] = ..., session_id: _Optional[str] = ..., url: _Optional[str] = ..., status: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., attempts: _Optional[_Iterable[_Union[Attempt, _Mapping]]] = ..., reason: _Optional[str] = ..., destination_id: _Optional[str] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "event_type", "session_id", "status", "since", "until", "limit")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    event_type: str
    session_id: str
    status: str
    since: str
    until: str
    limit: int
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., event_type: _Optional[str] = ..., session_id: _Optional[str] = ..., status: _Optional[str] = ..., since: _Optional[str] = ..., until: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries",)
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ...) -> None: ...

class GetDeliveryRequest(_message.Message):
    __slots__ = ("account_id", "delivery_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    delivery_id: str
    def __init__(self, account_id: _Optional[str] = ..., delivery_id: _Optional[str] = ...) -> None: ...

class GetDeliveryResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: Delivery
    def __init__(self, delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class ReplayRequest(_message.Message):
    __slots__ = ("account_id", "delivery_id", "hub_name", "since", "until")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    delivery_id: str
    hub_name: str
    since: str
    until: str
    def __init__(self, account_id: _Optional[str] = ..., delivery_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., since: _Optional[str] = ..., until: _Optional[str] = ...) -> None: ...

class ReplayResponse(_message.Message):
    __slots__ = ("replayed",)
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    replayed: int
    def __init__(self, replayed: _Optional[int] = ...) -> None: ...

class TestConnectivityRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "event_type")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    event_type: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., event_type: _Optional[str] = ...) -> None: ...

class TestResult(_message.Message):
    __slots__ = ("event_type", "url", "ok", "status_code", "latency_ms", "error", "destination_id")
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    event_type: str
    url: str
    ok: bool
    status_code: int
    latency_ms: int
    error: str
    destination_id: str
    def __init__(self, event_type: _Optional[str] = ..., url: _Optional[str] = ..., ok: _Optional[bool] = ..., status_code: _Optional[int] = ..., latency_ms: _Optional[int] = ..., error: _Optional[str] = ..., destination_id: _Optional[str] = ...) -> None: ...

class TestConnectivityResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[TestResult]
    def __init__(self, results: _Optional[_Iterable[_Union[TestResult, _Mapping]]] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("id", "at", "subject", "reason", "payload")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    id: str
    at: str
    subject: str
    reason: str
    payload: str
    def __init__(self, id: _Optional[str] = ..., at: _Optional[str] = ..., subject: _Optional[str] = ..., reason: _Optional[str] = ..., payload: _Optional[str] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("account_id", "limit")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    limit: int
    def __init__(self, account_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters",)
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ...) -> None: ...
