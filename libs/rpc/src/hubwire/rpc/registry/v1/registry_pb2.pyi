from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Hub(_message.Message):
    __slots__ = ("account_id", "name", "description", "active", "created_at", "has_credentials", "client_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    HAS_CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    description: str
    active: bool
    created_at: str
    has_credentials: bool
    client_id: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., active: _Optional[bool] = ..., created_at: _Optional[str] = ..., has_credentials: _Optional[bool] = ..., client_id: _Optional[str] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("account_id", "username", "password")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    username: str
    password: str
    def __init__(self, account_id: _Optional[str] = ..., username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class LoginResponse(_message.Message):
    __slots__ = ("access_token", "expires_in")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    expires_in: int
    def __init__(self, access_token: _Optional[str] = ..., expires_in: _Optional[int] = ...) -> None: ...

class AuthenticateAdminRequest(_message.Message):
    __slots__ = ("access_token",)
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    def __init__(self, access_token: _Optional[str] = ...) -> None: ...

class AuthenticateAdminResponse(_message.Message):
    __slots__ = ("account_id", "username")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    username: str
    def __init__(self, account_id: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...

class CreateHubRequest(_message.Message):
    __slots__ = ("account_id", "name", "description", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    description: str
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class CreateHubResponse(_message.Message):
    __slots__ = ("hub",)
    HUB_FIELD_NUMBER: _ClassVar[int]
    hub: Hub
    def __init__(self, hub: _Optional[_Union[Hub, _Mapping]] = ...) -> None: ...

class GetHubRequest(_message.Message):
    __slots__ = ("account_id", "name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetHubResponse(_message.Message):
    __slots__ = ("hub",)
    HUB_FIELD_NUMBER: _ClassVar[int]
    hub: Hub
    def __init__(self, hub: _Optional[_Union[Hub, _Mapping]] = ...) -> None: ...

class ListHubsRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListHubsResponse(_message.Message):
    __slots__ = ("hubs",)
    HUBS_FIELD_NUMBER: _ClassVar[int]
    hubs: _containers.RepeatedCompositeFieldContainer[Hub]
    def __init__(self, hubs: _Optional[_Iterable[_Union[Hub, _Mapping]]] = ...) -> None: ...

class UpdateHubRequest(_message.Message):
    __slots__ = ("account_id", "name", "description", "active", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    description: str
    active: bool
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., active: _Optional[bool] = ..., actor: _Optional[str] = ...) -> None: ...

class UpdateHubResponse(_message.Message):
    __slots__ = ("hub",)
    HUB_FIELD_NUMBER: _ClassVar[int]
    hub: Hub
    def __init__(self, hub: _Optional[_Union[Hub, _Mapping]] = ...) -> None: ...

class DeleteHubRequest(_message.Message):
    __slots__ = ("account_id", "name", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class DeleteHubResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReAuth(_message.Message):
    __slots__ = ("username", "password")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class GenerateCredentialsRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "reauth", "api_password", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    REAUTH_FIELD_NUMBER: _ClassVar[int]
    API_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    reauth: ReAuth
    api_password: str
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., reauth: _Optional[_Union[ReAuth, _Mapping]] = ..., api_password: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class GenerateCredentialsResponse(_message.Message):
    __slots__ = ("client_id", "api_key", "api_password")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    API_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    api_key: str
    api_password: str
    def __init__(self, client_id: _Optional[str] = ..., api_key: _Optional[str] = ..., api_password: _Optional[str] = ...) -> None: ...

class RevealApiKeyRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "reauth", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    REAUTH_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    reauth: ReAuth
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., reauth: _Optional[_Union[ReAuth, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class RevealApiKeyResponse(_message.Message):
    __slots__ = ("client_id", "api_key")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    api_key: str
    def __init__(self, client_id: _Optional[str] = ..., api_key: _Optional[str] = ...) -> None: ...

class RefreshApiPasswordRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "reauth", "new_api_password", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    REAUTH_FIELD_NUMBER: _ClassVar[int]
    NEW_API_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    reauth: ReAuth
    new_api_password: str
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., reauth: _Optional[_Union[ReAuth, _Mapping]] = ..., new_api_password: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class RefreshApiPasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class IssueTokenRequest(_message.Message):
    __slots__ = ("client_id", "api_key")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    api_key: str
    def __init__(self, client_id: _Optional[str] = ..., api_key: _Optional[str] = ...) -> None: ...

class IssueTokenResponse(_message.Message):
    __slots__ = ("access_token", "expires_in")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    expires_in: int
    def __init__(self, access_token: _Optional[str] = ..., expires_in: _Optional[int] = ...) -> None: ...

class AuthenticateClientRequest(_message.Message):
    __slots__ = ("bearer_token", "basic")
    BEARER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BASIC_FIELD_NUMBER: _ClassVar[int]
    bearer_token: str
    basic: BasicCredentials
    def __init__(self, bearer_token: _Optional[str] = ..., basic: _Optional[_Union[BasicCredentials, _Mapping]] = ...) -> None: ...

class BasicCredentials(_message.Message):
    __slots__ = ("client_id", "api_password")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    API_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    api_password: str
    def __init__(self, client_id: _Optional[str] = ..., api_password: _Optional[str] = ...) -> None: ...

class AuthenticateClientResponse(_message.Message):
    __slots__ = ("account_id", "hub_name", "client_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    client_id: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., client_id: _Optional[str] = ...) -> None: ...

class GetSigningSecretRequest(_message.Message):
    __slots__ = ("account_id", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ...) -> None: ...

class GetSigningSecretResponse(_message.Message):
    __slots__ = ("secret", "previous_secret", "previous_expires_at")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    secret: str
    previous_secret: str
    previous_expires_at: str
    def __init__(self, secret: _Optional[str] = ..., previous_secret: _Optional[str] = ..., previous_expires_at: _Optional[str] = ...) -> None: ...

class RotateSigningSecretRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class RotateSigningSecretResponse(_message.Message):
    __slots__ = ("secret", "previous_expires_at")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    secret: str
    previous_expires_at: str
    def __init__(self, secret: _Optional[str] = ..., previous_expires_at: _Optional[str] = ...) -> None: ...

class Header(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class SetConnectivityRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "url", "username", "password", "headers", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    url: str
    username: str
    password: str
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., url: _Optional[str] = ..., username: _Optional[str] = ..., password: _Optional[str] = ..., headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ..., actor: _Optional[str] = ...) -> None: ...

class SetConnectivityResponse(_message.Message):
    __slots__ = ("connectivity",)
    CONNECTIVITY_FIELD_NUMBER: _ClassVar[int]
    connectivity: Connectivity
    def __init__(self, connectivity: _Optional[_Union[Connectivity, _Mapping]] = ...) -> None: ...

class GetConnectivityRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "include_secrets")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SECRETS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    include_secrets: bool
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., include_secrets: _Optional[bool] = ...) -> None: ...

class GetConnectivityResponse(_message.Message):
    __slots__ = ("connectivity",)
    CONNECTIVITY_FIELD_NUMBER: _ClassVar[int]
    connectivity: Connectivity
    def __init__(self, connectivity: _Optional[_Union[Connectivity, _Mapping]] = ...) -> None: ...

class Connectivity(_message.Message):
    __slots__ = ("url", "username", "password", "headers", "configured")
    URL_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    url: str
    username: str
    password: str
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    configured: bool
    def __init__(self, url: _Optional[str] = ..., username: _Optional[str] = ..., password: _Optional[str] = ..., headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ..., configured: _Optional[bool] = ...) -> None: ...

class Destination(_message.Message):
    __slots__ = ("id", "hub_name", "event_type", "url", "username", "has_password", "configured", "disabled", "disabled_reason", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    HAS_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    DISABLED_REASON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    hub_name: str
    event_type: str
    url: str
    username: str
    has_password: bool
    configured: bool
    disabled: bool
    disabled_reason: str
    description: str
    def __init__(self, id: _Optional[str] = ..., hub_name: _Optional[str] = ..., event_type: _Optional[str] = ..., url: _Optional[str] = ..., username: _Optional[str] = ..., has_password: _Optional[bool] = ..., configured: _Optional[bool] = ..., disabled: _Optional[bool] = ..., disabled_reason: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class SetDestinationRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "event_type", "url", "username", "password", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    event_type: str
    url: str
    username: str
    password: str
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., event_type: _Optional[str] = ..., url: _Optional[str] = ..., username: _Optional[str] = ..., password: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class SetDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class DeleteDestinationRequest(_message.Message):
    __slots__ = ("account_id", "hub_name", "event_type", "actor")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    event_type: str
    actor: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ..., event_type: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class DeleteDestinationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListDestinationsRequest(_message.Message):
    __slots__ = ("account_id", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., hub_name: _Optional[str] = ...) -> None: ...

class ListDestinationsResponse(_message.Message):
    __slots__ = ("destinations",)
    DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    destinations: _containers.RepeatedCompositeFieldContainer[Destination]
    def __init__(self, destinations: _Optional[_Iterable[_Union[Destination, _Mapping]]] = ...) -> None: ...

class DisableDestinationRequest(_message.Message):
    __slots__ = ("account_id", "destination_id", "reason")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    destination_id: str
    reason: str
    def __init__(self, account_id: _Optional[str] = ..., destination_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DisableDestinationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("id", "at", "actor", "action", "hub_name", "detail", "success")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    at: str
    actor: str
    action: str
    hub_name: str
    detail: str
    success: bool
    def __init__(self, id: _Optional[str] = ..., at: _Optional[str] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., hub_name: _Optional[str] = ..., detail: _Optional[str] = ..., success: _Optional[bool] = ...) -> None: ...

class ListAuditLogRequest(_message.Message):
    __slots__ = ("account_id", "limit", "hub_name")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    HUB_NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    limit: int
    hub_name: str
    def __init__(self, account_id: _Optional[str] = ..., limit: _Optional[int] = ..., hub_name: _Optional[str] = ...) -> None: ...

class ListAuditLogResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class ListBlockedServicesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBlockedServicesResponse(_message.Message):
    __slots__ = ("domains",)
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    domains: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, domains: _Optional[_Iterable[str]] = ...) -> None: ...

class AddBlockedServiceRequest(_message.Message):
    __slots__ = ("domain", "actor")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    domain: str
    actor: str
    def __init__(self, domain: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class AddBlockedServiceResponse(_message.Message):
    __slots__ = ("destinations_removed",)
    DESTINATIONS_REMOVED_FIELD_NUMBER: _ClassVar[int]
    destinations_removed: int
    def __init__(self, destinations_removed: _Optional[int] = ...) -> None: ...
