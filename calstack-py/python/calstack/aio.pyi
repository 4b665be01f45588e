"""Type stubs for calstack.aio: the same API as calstack, every call a coroutine."""

import builtins
import datetime
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union, final

from ._calstack import (
    AclRule,
    AgendaEntry,
    CalendarListEntry,
    CalendarResource,
    Channel,
    Client,
    Colors,
    Conflict,
    Event,
    EventStream,
    FreeBusy,
    Metrics,
    OAuthCredential,
    RotationReport,
    SyncResult,
    _CalendarSyncStatus,
    _Notification,
    _SyncReport,
)

__all__ = ["Calendar", "Calstack", "Clients", "OAuth"]

_ClientRef = Union[str, Client]
_Length = Union[datetime.timedelta, str, int]
_CredentialRef = Union[str, OAuthCredential]

@final
class Calstack:
    """A calstack.Calstack whose methods are coroutines (open it at startup: opening migrates the database)."""

    def __new__(
        cls,
        database_url: str,
        encryption_key: str,
        *,
        google_api_base: Optional[str] = None,
        google_auth_url: Optional[str] = None,
        google_token_url: Optional[str] = None,
        google_revoke_url: Optional[str] = None,
        requests_per_second: int = 0,
        max_attempts: int = 5,
        max_delay: float = 32.0,
    ) -> Calstack: ...
    @property
    def clients(self) -> Clients: ...
    @property
    def oauth(self) -> OAuth: ...
    async def calendar(self, client: _ClientRef, account: Optional[str] = None) -> Calendar: ...
    @property
    def is_asyncio(self) -> bool: ...
    async def rotate_keys(self) -> RotationReport: ...
    def metrics(self) -> Metrics: ...
    async def sync(
        self, clients: Optional[builtins.list[_ClientRef]] = None, push_address: Optional[str] = None
    ) -> _SyncReport: ...
    async def sync_status(self) -> builtins.list[_CalendarSyncStatus]: ...
    async def handle_notification(
        self, headers: Union[Mapping[str, str], Iterable[tuple[str, str]]]
    ) -> _Notification: ...
    async def agenda(
        self,
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        clients: Optional[builtins.list[_ClientRef]] = None,
        calendars: Optional[builtins.list[str]] = None,
        live: bool = False,
        time_zone: Optional[str] = None,
        max_staleness: Optional[_Length] = None,
    ) -> builtins.list[AgendaEntry]: ...
    async def conflicts(
        self,
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        clients: Optional[builtins.list[_ClientRef]] = None,
        calendars: Optional[builtins.list[str]] = None,
        live: bool = False,
        max_staleness: Optional[_Length] = None,
    ) -> builtins.list[Conflict]: ...
    async def free_busy(
        self,
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        clients: Optional[builtins.list[_ClientRef]] = None,
        calendars: Optional[builtins.list[str]] = None,
        live: bool = False,
        max_staleness: Optional[_Length] = None,
    ) -> dict[str, builtins.list[tuple[datetime.datetime, datetime.datetime]]]: ...
    async def find_slots(
        self,
        duration: _Length,
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        clients: Optional[builtins.list[_ClientRef]] = None,
        working_hours: Optional[str] = None,
        time_zone: Optional[str] = None,
        buffer: Optional[_Length] = None,
        step: Optional[_Length] = None,
        calendars: Optional[builtins.list[str]] = None,
        live: bool = False,
        max_staleness: Optional[_Length] = None,
    ) -> builtins.list[tuple[datetime.datetime, datetime.datetime]]: ...

@final
class Clients:
    """stack.clients, as coroutines."""

    async def create(self, name: str, email: str) -> Client: ...
    async def get(self, client_id: _ClientRef) -> Client: ...
    async def find(self, id_or_name: str) -> Client: ...
    async def list(self) -> builtins.list[Client]: ...
    async def update(
        self,
        client_id: _ClientRef,
        *,
        name: Optional[str] = None,
        email: Optional[str] = None,
    ) -> Client: ...
    async def delete(self, client_id: _ClientRef) -> None: ...
    async def working_hours(self, client_id: _ClientRef) -> Optional[str]: ...
    async def set_working_hours(
        self, client_id: _ClientRef, working_hours: Optional[str], time_zone: str = "UTC"
    ) -> None: ...

@final
class OAuth:
    """stack.oauth, as coroutines."""

    async def register(
        self,
        client_id: _ClientRef,
        *,
        google_client_id: str,
        google_client_secret: str,
        scopes: builtins.list[str],
        redirect_uri: str,
        account_email: Optional[str] = None,
    ) -> OAuthCredential: ...
    async def get(self, credential_id: _CredentialRef) -> OAuthCredential: ...
    async def list(self, client_id: Optional[_ClientRef] = None) -> builtins.list[OAuthCredential]: ...
    async def update(
        self,
        credential_id: _CredentialRef,
        *,
        google_client_id: Optional[str] = None,
        google_client_secret: Optional[str] = None,
        scopes: Optional[builtins.list[str]] = None,
        redirect_uri: Optional[str] = None,
        account_email: Optional[str] = None,
    ) -> OAuthCredential: ...
    async def delete(self, credential_id: _CredentialRef) -> None: ...
    async def authorize_url(
        self,
        credential_id: _CredentialRef,
        *,
        login_hint: Optional[str] = None,
        redirect_uri: Optional[str] = None,
    ) -> str: ...
    async def complete(self, *, code: str, state: str) -> OAuthCredential: ...
    async def complete_callback(self, params: Union[str, Mapping[str, str]]) -> OAuthCredential: ...
    async def revoke(self, credential_id: _CredentialRef) -> None: ...
    async def access_token(self, credential_id: _CredentialRef) -> str: ...

@final
class Calendar:
    """The Google Calendar v3 API for one client, as coroutines."""

    @property
    def client_id(self) -> str: ...
    @property
    def credential_id(self) -> str: ...
    async def list_calendars(self) -> builtins.list[CalendarListEntry]: ...
    async def list_events(
        self,
        calendar_id: str,
        *,
        time_min: Optional[datetime.datetime] = None,
        time_max: Optional[datetime.datetime] = None,
        single_events: bool = True,
        query: Optional[str] = None,
        order_by: Optional[str] = None,
        show_deleted: bool = False,
        max_results: Optional[int] = None,
        time_zone: Optional[str] = None,
    ) -> builtins.list[Event]: ...
    async def get_event(self, calendar_id: str, event_id: str) -> Event: ...
    async def create_event(
        self,
        calendar_id: str,
        event: Union[Event, Mapping[str, Any]],
        *,
        send_updates: Optional[str] = None,
    ) -> Event: ...
    async def update_event(
        self,
        calendar_id: str,
        event_id: str,
        event: Union[Event, Mapping[str, Any]],
        *,
        etag: Optional[str] = None,
        send_updates: Optional[str] = None,
    ) -> Event: ...
    async def patch_event(
        self,
        calendar_id: str,
        event_id: str,
        changes: Union[Event, Mapping[str, Any]],
        *,
        etag: Optional[str] = None,
        send_updates: Optional[str] = None,
    ) -> Event: ...
    async def delete_event(
        self,
        calendar_id: str,
        event_id: str,
        *,
        etag: Optional[str] = None,
        send_updates: Optional[str] = None,
    ) -> None: ...
    async def sync_events(self, calendar_id: str, sync_token: Optional[str] = None) -> SyncResult: ...
    async def settings(self) -> dict[str, str]: ...
    async def list_acl(self, calendar_id: str) -> builtins.list[AclRule]: ...
    async def share(
        self,
        calendar_id: str,
        email: str,
        role: str = "reader",
        *,
        scope: str = "user",
        send_notifications: Optional[bool] = None,
    ) -> AclRule: ...
    async def unshare(self, calendar_id: str, rule_id: str) -> None: ...
    def iter_events(
        self,
        calendar_id: str,
        *,
        time_min: Optional[datetime.datetime] = None,
        time_max: Optional[datetime.datetime] = None,
        single_events: bool = True,
        query: Optional[str] = None,
        order_by: Optional[str] = None,
        show_deleted: bool = False,
        max_results: Optional[int] = None,
        time_zone: Optional[str] = None,
    ) -> EventStream: ...
    async def instances(
        self,
        calendar_id: str,
        event_id: str,
        *,
        time_min: Optional[datetime.datetime] = None,
        time_max: Optional[datetime.datetime] = None,
        show_deleted: bool = False,
    ) -> builtins.list[Event]: ...
    async def quick_add(
        self, calendar_id: str, text: str, *, send_updates: Optional[str] = None
    ) -> Event: ...
    async def move_event(
        self,
        calendar_id: str,
        event_id: str,
        destination: str,
        *,
        send_updates: Optional[str] = None,
    ) -> Event: ...
    async def import_event(self, calendar_id: str, event: Union[Event, Mapping[str, Any]]) -> Event: ...
    async def watch_events(
        self, calendar_id: str, channel_id: str, address: str, *, token: Optional[str] = None
    ) -> Channel: ...
    async def stop_channel(self, channel: Union[Channel, Mapping[str, Any]]) -> None: ...
    async def insert_calendar_list_entry(
        self, entry: Union[str, CalendarListEntry, Mapping[str, Any]]
    ) -> CalendarListEntry: ...
    async def update_calendar_list_entry(
        self,
        calendar_id: str,
        entry: Union[CalendarListEntry, Mapping[str, Any]],
        *,
        etag: Optional[str] = None,
    ) -> CalendarListEntry: ...
    async def delete_calendar_list_entry(self, calendar_id: str) -> None: ...
    async def get_calendar(self, calendar_id: str) -> CalendarResource: ...
    async def create_calendar(
        self,
        summary: str,
        *,
        description: Optional[str] = None,
        location: Optional[str] = None,
        time_zone: Optional[str] = None,
    ) -> CalendarResource: ...
    async def update_calendar(
        self,
        calendar_id: str,
        calendar: Union[CalendarResource, Mapping[str, Any]],
        *,
        etag: Optional[str] = None,
    ) -> CalendarResource: ...
    async def patch_calendar(
        self, calendar_id: str, changes: Mapping[str, Any], *, etag: Optional[str] = None
    ) -> CalendarResource: ...
    async def delete_calendar(self, calendar_id: str) -> None: ...
    async def clear_calendar(self, calendar_id: str) -> None: ...
    async def colors(self) -> Colors: ...
    async def free_busy(
        self,
        calendar_ids: builtins.list[str],
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        *,
        time_zone: Optional[str] = None,
    ) -> FreeBusy: ...
