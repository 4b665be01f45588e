"""Type stubs for calstack's Rust extension module (checked with mypy.stubtest)."""

import builtins
import datetime
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, Literal, Optional, TypedDict, Union, final, overload

__version__: str
__all__ = [
    "AclRule",
    "AgendaEntry",
    "Conflict",
    "ConflictSide",
    "ApiError",
    "AuthorizationError",
    "Calendar",
    "CalendarListEntry",
    "CalendarResource",
    "Calstack",
    "CalstackError",
    "Channel",
    "Client",
    "Clients",
    "Colors",
    "ConflictError",
    "Event",
    "EventAttendee",
    "EventDateTime",
    "EventStream",
    "FreeBusy",
    "Metrics",
    "NotFoundError",
    "OAuth",
    "OAuthCredential",
    "PreconditionFailedError",
    "QuotaExceededError",
    "RateLimitedError",
    "ReauthorizationRequired",
    "RotationReport",
    "StoreError",
    "SyncResult",
    "SyncTokenExpiredError",
    "TransportError",
    "ValidationError",
    "__version__",
    "generate_key",
    "merge_prometheus_metrics",
    "prometheus_metrics",
    "validate_push_address",
    "_ics_export",
    "_ics_import",
    "_ics_parse",
    "_ics_write",
]

_Json = dict[str, Any]
_When = Union["EventDateTime", Mapping[str, Any], datetime.datetime, datetime.date]
_ClientRef = Union[str, "Client"]
_CredentialRef = Union[str, "OAuthCredential"]
_Length = Union[datetime.timedelta, str, int]

class _SyncedCalendar(TypedDict):
    client_id: str
    calendar_id: str
    full: bool
    upserted: int
    deleted: int
    skipped: bool

class _FailedSync(TypedDict):
    client_id: str
    calendar_id: Optional[str]
    error: str

class _SyncReport(TypedDict):
    synced: builtins.list[_SyncedCalendar]
    failed: builtins.list[_FailedSync]

class _CalendarSyncStatus(TypedDict):
    client_id: str
    calendar_id: str
    summary: Optional[str]
    primary: bool
    events: int
    last_synced: Optional[datetime.datetime]
    next_sync_due: datetime.datetime
    failures: int
    last_error: Optional[str]
    parked_reason: Optional[str]
    watched_until: Optional[datetime.datetime]

class _Notification(TypedDict):
    client_id: str
    calendar_id: str
    state: str

def generate_key() -> str:
    """A new random 32-byte encryption key, base64 (keep it secret)."""

def validate_push_address(address: str) -> str:
    """The address as ``stack.sync(push_address=...)`` would use it (normalized): https, or
    http on a loopback host; no user name, password or fragment. ``ValidationError`` naming
    ``push_address`` otherwise."""

def prometheus_metrics() -> str:
    """calstack's metrics in the Prometheus text format; the first call installs the recorder."""

def merge_prometheus_metrics(pages: Sequence[str]) -> str:
    """Several processes' pages as one: the same series summed, each family described once."""

# Exceptions

class CalstackError(Exception):
    """Base class of every error calstack raises."""

class ValidationError(CalstackError, ValueError):
    """The input was refused before anything was sent or stored."""

    field: str
    reason: str

class NotFoundError(CalstackError, LookupError):
    """The client, credential, calendar or event does not exist."""

    what: str

class ReauthorizationRequired(CalstackError):
    """The credential can no longer be refreshed: send the client through consent again."""

    credential_id: str
    reason: str

class AuthorizationError(CalstackError):
    """The OAuth callback was refused (access_denied, invalid_state, expired_state, ...)."""

    code: str
    reason: str

class RateLimitedError(CalstackError):
    """Google refused because of rate limits and the retry budget is spent."""

    retry_after: Optional[float]
    reason: str

class PreconditionFailedError(CalstackError):
    """The resource changed since it was read (stale etag)."""

class SyncTokenExpiredError(CalstackError):
    """The sync token is no longer valid: drop local state and sync again without one."""

class ApiError(CalstackError):
    """Google answered with an error not covered by a more specific exception."""

    status: int
    reason: Optional[str]
    message: str
    body: str

class QuotaExceededError(ApiError):
    """Google's usage quota is spent (403 quotaExceeded / dailyLimitExceeded); never retried."""

class TransportError(CalstackError):
    """The request never got an HTTP answer."""

class StoreError(CalstackError):
    """The storage backend failed."""

    kind: str

class ConflictError(StoreError):
    """The row kept changing concurrently and the write gave up."""

# Google resources

@final
class EventDateTime:
    """When an event starts or ends: an aware date_time, or an all-day date."""

    def __new__(
        cls,
        date_time: Optional[datetime.datetime] = None,
        *,
        date: Optional[datetime.date] = None,
        time_zone: Optional[str] = None,
    ) -> EventDateTime: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> EventDateTime: ...
    def to_dict(self) -> _Json: ...
    @property
    def date_time(self) -> Optional[datetime.datetime]: ...
    @property
    def date(self) -> Optional[datetime.date]: ...
    @property
    def time_zone(self) -> Optional[str]: ...
    @property
    def is_all_day(self) -> bool: ...

@final
class EventAttendee:
    """An attendee of an event."""

    def __new__(
        cls,
        email: str,
        *,
        display_name: Optional[str] = None,
        optional: Optional[bool] = None,
        response_status: Optional[str] = None,
    ) -> EventAttendee: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> EventAttendee: ...
    def to_dict(self) -> _Json: ...
    @property
    def email(self) -> Optional[str]: ...
    @property
    def display_name(self) -> Optional[str]: ...
    @property
    def response_status(self) -> Optional[str]: ...
    @property
    def optional(self) -> bool: ...
    @property
    def organizer(self) -> bool: ...
    @property
    def is_self(self) -> bool: ...
    @property
    def comment(self) -> Optional[str]: ...

@final
class Event:
    """A Calendar event; keeps every field Google sent (see to_dict())."""

    def __new__(
        cls,
        data: Optional[Union[Mapping[str, Any], Event]] = None,
        *,
        id: Optional[str] = None,
        summary: Optional[str] = None,
        description: Optional[str] = None,
        location: Optional[str] = None,
        start: Optional[_When] = None,
        end: Optional[_When] = None,
        attendees: Optional[Iterable[Union[str, EventAttendee, Mapping[str, Any]]]] = None,
        recurrence: Optional[Iterable[str]] = None,
    ) -> Event: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Event: ...
    def to_dict(self) -> _Json: ...
    @property
    def id(self) -> Optional[str]: ...
    @id.setter
    def id(self, value: Optional[str]) -> None: ...
    @property
    def summary(self) -> Optional[str]: ...
    @summary.setter
    def summary(self, value: Optional[str]) -> None: ...
    @property
    def description(self) -> Optional[str]: ...
    @description.setter
    def description(self, value: Optional[str]) -> None: ...
    @property
    def location(self) -> Optional[str]: ...
    @location.setter
    def location(self, value: Optional[str]) -> None: ...
    @property
    def start(self) -> Optional[EventDateTime]: ...
    @start.setter
    def start(self, value: Optional[_When]) -> None: ...
    @property
    def end(self) -> Optional[EventDateTime]: ...
    @end.setter
    def end(self, value: Optional[_When]) -> None: ...
    @property
    def original_start_time(self) -> Optional[EventDateTime]: ...
    @property
    def attendees(self) -> list[EventAttendee]: ...
    @attendees.setter
    def attendees(
        self, value: Optional[Iterable[Union[str, EventAttendee, Mapping[str, Any]]]]
    ) -> None: ...
    @property
    def recurrence(self) -> list[str]: ...
    @recurrence.setter
    def recurrence(self, value: Optional[Iterable[str]]) -> None: ...
    @property
    def status(self) -> Optional[str]: ...
    @property
    def etag(self) -> Optional[str]: ...
    @property
    def html_link(self) -> Optional[str]: ...
    @property
    def i_cal_uid(self) -> Optional[str]: ...
    @property
    def recurring_event_id(self) -> Optional[str]: ...
    @property
    def color_id(self) -> Optional[str]: ...
    @property
    def created(self) -> Optional[datetime.datetime]: ...
    @property
    def updated(self) -> Optional[datetime.datetime]: ...
    @property
    def organizer(self) -> Optional[_Json]: ...
    @property
    def is_all_day(self) -> bool: ...
    @property
    def is_cancelled(self) -> bool: ...

@final
class CalendarListEntry:
    """A calendar on the user's calendar list."""

    def __new__(cls, data: Mapping[str, Any]) -> CalendarListEntry: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> CalendarListEntry: ...
    def to_dict(self) -> _Json: ...
    @property
    def id(self) -> Optional[str]: ...
    @property
    def summary(self) -> Optional[str]: ...
    @property
    def summary_override(self) -> Optional[str]: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def time_zone(self) -> Optional[str]: ...
    @property
    def access_role(self) -> Optional[str]: ...
    @property
    def primary(self) -> bool: ...
    @property
    def selected(self) -> bool: ...
    @property
    def background_color(self) -> Optional[str]: ...
    @property
    def foreground_color(self) -> Optional[str]: ...
    @property
    def hidden(self) -> bool: ...
    @property
    def color_id(self) -> Optional[str]: ...
    @property
    def etag(self) -> Optional[str]: ...

@final
class AclRule:
    """Who a calendar is shared with, and how."""

    def __new__(cls, data: Mapping[str, Any]) -> AclRule: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> AclRule: ...
    def to_dict(self) -> _Json: ...
    @property
    def id(self) -> Optional[str]: ...
    @property
    def role(self) -> Optional[str]: ...
    @property
    def scope_type(self) -> Optional[str]: ...
    @property
    def scope_value(self) -> Optional[str]: ...
    @property
    def etag(self) -> Optional[str]: ...

@final
class SyncResult:
    """Changed events (cancelled ones included) and the token for the next sync."""

    @property
    def events(self) -> list[Event]: ...
    @property
    def next_sync_token(self) -> Optional[str]: ...
    def __len__(self) -> int: ...

@final
class CalendarResource:
    """A calendar's own metadata (Google's Calendar resource)."""

    def __new__(cls, data: Mapping[str, Any]) -> CalendarResource: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> CalendarResource: ...
    def to_dict(self) -> _Json: ...
    @property
    def id(self) -> Optional[str]: ...
    @property
    def summary(self) -> Optional[str]: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def location(self) -> Optional[str]: ...
    @property
    def time_zone(self) -> Optional[str]: ...
    @property
    def etag(self) -> Optional[str]: ...

@final
class Colors:
    """The colour palettes: colour id -> {"background": "#rrggbb", "foreground": "#rrggbb"}."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Colors: ...
    def to_dict(self) -> _Json: ...
    @property
    def calendar(self) -> dict[str, dict[str, str]]: ...
    @property
    def event(self) -> dict[str, dict[str, str]]: ...
    @property
    def updated(self) -> Optional[datetime.datetime]: ...

@final
class FreeBusy:
    """The answer to a free/busy query."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> FreeBusy: ...
    def to_dict(self) -> _Json: ...
    @property
    def time_min(self) -> Optional[datetime.datetime]: ...
    @property
    def time_max(self) -> Optional[datetime.datetime]: ...
    @property
    def busy(self) -> dict[str, builtins.list[tuple[datetime.datetime, datetime.datetime]]]: ...
    @property
    def errors(self) -> dict[str, builtins.list[str]]: ...

@final
class Channel:
    """A push-notification channel opened by watch_events; pass it to stop_channel."""

    def __new__(cls, data: Mapping[str, Any]) -> Channel: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Channel: ...
    def to_dict(self) -> _Json: ...
    @property
    def id(self) -> Optional[str]: ...
    @property
    def resource_id(self) -> Optional[str]: ...
    @property
    def resource_uri(self) -> Optional[str]: ...
    @property
    def address(self) -> Optional[str]: ...
    @property
    def expiration(self) -> Optional[datetime.datetime]: ...

# calstack's records

@final
class Client:
    """Someone whose calendars you run."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    def to_dict(self) -> _Json: ...

@final
class OAuthCredential:
    """A client's Google OAuth grant; never holds or shows its secret or tokens."""

    @property
    def id(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def google_client_id(self) -> str: ...
    @property
    def scopes(self) -> list[str]: ...
    @property
    def granted_scopes(self) -> list[str]: ...
    @property
    def redirect_uri(self) -> str: ...
    @property
    def account_email(self) -> Optional[str]: ...
    @property
    def is_valid(self) -> bool: ...
    @property
    def has_refresh_token(self) -> bool: ...
    @property
    def expires_at(self) -> Optional[datetime.datetime]: ...
    @property
    def last_error(self) -> Optional[str]: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    def to_dict(self) -> _Json: ...

# Services

@final
class Calstack:
    """Clients, their encrypted OAuth credentials, and the Calendar API for each."""

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
    def calendar(self, client: _ClientRef, account: Optional[str] = None) -> Calendar: ...
    def asyncio(self) -> Any:
        """The same stack whose methods return awaitables (typed in calstack.aio)."""
    @property
    def is_asyncio(self) -> bool: ...
    def rotate_keys(self) -> RotationReport: ...
    def metrics(self) -> Metrics: ...
    def sync(
        self, clients: Optional[builtins.list[_ClientRef]] = None, push_address: Optional[str] = None
    ) -> _SyncReport:
        """Sync the local mirror from Google: every client (or these), then every calendar.
        With ``push_address``, watch each calendar (notifications go there) and sync only
        what may have changed (due, notified, or not watched yet)."""
    def sync_status(self) -> builtins.list[_CalendarSyncStatus]:
        """Per mirrored calendar: events mirrored, last synced, next due, last error."""
    def handle_notification(
        self, headers: Union[Mapping[str, str], Iterable[tuple[str, str]]]
    ) -> _Notification:
        """Check a push notification's X-Goog-* headers and make that calendar due."""
    def agenda(
        self,
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        clients: Optional[builtins.list[_ClientRef]] = None,
        calendars: Optional[builtins.list[str]] = None,
        live: bool = False,
        time_zone: Optional[str] = None,
        max_staleness: Optional[_Length] = None,
    ) -> builtins.list[AgendaEntry]: ...
    def conflicts(
        self,
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        clients: Optional[builtins.list[_ClientRef]] = None,
        calendars: Optional[builtins.list[str]] = None,
        live: bool = False,
        max_staleness: Optional[_Length] = None,
    ) -> builtins.list[Conflict]: ...
    def free_busy(
        self,
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        clients: Optional[builtins.list[_ClientRef]] = None,
        calendars: Optional[builtins.list[str]] = None,
        live: bool = False,
        max_staleness: Optional[_Length] = None,
    ) -> dict[str, builtins.list[tuple[datetime.datetime, datetime.datetime]]]: ...
    def find_slots(
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
    """stack.clients: create, read, change and delete clients."""

    def create(self, name: str, email: str) -> Client: ...
    def get(self, client_id: _ClientRef) -> Client: ...
    def find(self, id_or_name: str) -> Client: ...
    def list(self) -> builtins.list[Client]: ...
    def update(
        self,
        client_id: _ClientRef,
        *,
        name: Optional[str] = None,
        email: Optional[str] = None,
    ) -> Client: ...
    def delete(self, client_id: _ClientRef) -> None: ...
    def working_hours(self, client_id: _ClientRef) -> Optional[str]: ...
    def set_working_hours(
        self, client_id: _ClientRef, working_hours: Optional[str], time_zone: str = "UTC"
    ) -> None: ...

# Stacked views

@final
class AgendaEntry:
    """One line of the stacked agenda."""

    @property
    def client_id(self) -> str: ...
    @property
    def client(self) -> str: ...
    @property
    def calendar_id(self) -> str: ...
    @property
    def calendar(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def event(self) -> Event: ...
    @property
    def start(self) -> datetime.datetime: ...
    @property
    def end(self) -> datetime.datetime: ...
    @property
    def all_day(self) -> bool: ...
    @property
    def busy(self) -> bool: ...
    @property
    def conflicts_with(self) -> builtins.list[int]: ...

@final
class ConflictSide:
    """One of the two events of a Conflict."""

    @property
    def client_id(self) -> str: ...
    @property
    def client(self) -> str: ...
    @property
    def calendar_id(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def start(self) -> datetime.datetime: ...
    @property
    def end(self) -> datetime.datetime: ...

@final
class Conflict:
    """Two busy events that overlap; the earlier one first."""

    @property
    def first(self) -> ConflictSide: ...
    @property
    def second(self) -> ConflictSide: ...
    @property
    def overlap_start(self) -> datetime.datetime: ...
    @property
    def overlap_end(self) -> datetime.datetime: ...

@final
class OAuth:
    """stack.oauth: each client's Google OAuth apps, consent and grants."""

    def register(
        self,
        client_id: _ClientRef,
        *,
        google_client_id: str,
        google_client_secret: str,
        scopes: builtins.list[str],
        redirect_uri: str,
        account_email: Optional[str] = None,
    ) -> OAuthCredential: ...
    def get(self, credential_id: _CredentialRef) -> OAuthCredential: ...
    def list(self, client_id: Optional[_ClientRef] = None) -> builtins.list[OAuthCredential]: ...
    def update(
        self,
        credential_id: _CredentialRef,
        *,
        google_client_id: Optional[str] = None,
        google_client_secret: Optional[str] = None,
        scopes: Optional[builtins.list[str]] = None,
        redirect_uri: Optional[str] = None,
        account_email: Optional[str] = None,
    ) -> OAuthCredential: ...
    def delete(self, credential_id: _CredentialRef) -> None: ...
    def authorize_url(
        self,
        credential_id: _CredentialRef,
        *,
        login_hint: Optional[str] = None,
        redirect_uri: Optional[str] = None,
    ) -> str: ...
    def complete(self, *, code: str, state: str) -> OAuthCredential: ...
    def complete_callback(self, params: Union[str, Mapping[str, str]]) -> OAuthCredential: ...
    def revoke(self, credential_id: _CredentialRef) -> None: ...
    def access_token(self, credential_id: _CredentialRef) -> str: ...

@final
class Calendar:
    """The Google Calendar v3 API for one client (``stack.calendar(client_id)``)."""

    @property
    def client_id(self) -> str: ...
    @property
    def credential_id(self) -> str: ...
    def list_calendars(self) -> builtins.list[CalendarListEntry]: ...
    def list_events(
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
    def get_event(self, calendar_id: str, event_id: str) -> Event: ...
    def create_event(
        self,
        calendar_id: str,
        event: Union[Event, Mapping[str, Any]],
        *,
        send_updates: Optional[str] = None,
    ) -> Event: ...
    def update_event(
        self,
        calendar_id: str,
        event_id: str,
        event: Union[Event, Mapping[str, Any]],
        *,
        etag: Optional[str] = None,
        send_updates: Optional[str] = None,
    ) -> Event: ...
    def patch_event(
        self,
        calendar_id: str,
        event_id: str,
        changes: Union[Event, Mapping[str, Any]],
        *,
        etag: Optional[str] = None,
        send_updates: Optional[str] = None,
    ) -> Event: ...
    def delete_event(
        self,
        calendar_id: str,
        event_id: str,
        *,
        etag: Optional[str] = None,
        send_updates: Optional[str] = None,
    ) -> None: ...
    def sync_events(self, calendar_id: str, sync_token: Optional[str] = None) -> SyncResult: ...
    def settings(self) -> dict[str, str]: ...
    def list_acl(self, calendar_id: str) -> builtins.list[AclRule]: ...
    def share(
        self,
        calendar_id: str,
        email: str,
        role: str = "reader",
        *,
        scope: str = "user",
        send_notifications: Optional[bool] = None,
    ) -> AclRule: ...
    def unshare(self, calendar_id: str, rule_id: str) -> None: ...
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
    def instances(
        self,
        calendar_id: str,
        event_id: str,
        *,
        time_min: Optional[datetime.datetime] = None,
        time_max: Optional[datetime.datetime] = None,
        show_deleted: bool = False,
    ) -> builtins.list[Event]: ...
    def quick_add(
        self, calendar_id: str, text: str, *, send_updates: Optional[str] = None
    ) -> Event: ...
    def move_event(
        self,
        calendar_id: str,
        event_id: str,
        destination: str,
        *,
        send_updates: Optional[str] = None,
    ) -> Event: ...
    def import_event(self, calendar_id: str, event: Union[Event, Mapping[str, Any]]) -> Event: ...
    def watch_events(
        self, calendar_id: str, channel_id: str, address: str, *, token: Optional[str] = None
    ) -> Channel: ...
    def stop_channel(self, channel: Union[Channel, Mapping[str, Any]]) -> None: ...
    def insert_calendar_list_entry(
        self, entry: Union[str, CalendarListEntry, Mapping[str, Any]]
    ) -> CalendarListEntry: ...
    def update_calendar_list_entry(
        self,
        calendar_id: str,
        entry: Union[CalendarListEntry, Mapping[str, Any]],
        *,
        etag: Optional[str] = None,
    ) -> CalendarListEntry: ...
    def delete_calendar_list_entry(self, calendar_id: str) -> None: ...
    def get_calendar(self, calendar_id: str) -> CalendarResource: ...
    def create_calendar(
        self,
        summary: str,
        *,
        description: Optional[str] = None,
        location: Optional[str] = None,
        time_zone: Optional[str] = None,
    ) -> CalendarResource: ...
    def update_calendar(
        self,
        calendar_id: str,
        calendar: Union[CalendarResource, Mapping[str, Any]],
        *,
        etag: Optional[str] = None,
    ) -> CalendarResource: ...
    def patch_calendar(
        self, calendar_id: str, changes: Mapping[str, Any], *, etag: Optional[str] = None
    ) -> CalendarResource: ...
    def delete_calendar(self, calendar_id: str) -> None: ...
    def clear_calendar(self, calendar_id: str) -> None: ...
    def colors(self) -> Colors: ...
    def free_busy(
        self,
        calendar_ids: builtins.list[str],
        time_min: datetime.datetime,
        time_max: datetime.datetime,
        *,
        time_zone: Optional[str] = None,
    ) -> FreeBusy: ...

@final
class EventStream:
    """The events of a listing as they arrive (``for`` / ``async for``), one page in memory."""

    def __iter__(self) -> EventStream: ...
    def __next__(self) -> Event: ...
    def __aiter__(self) -> EventStream: ...
    def __anext__(self) -> Awaitable[Event]: ...

@final
class RotationReport:
    """What stack.rotate_keys() did."""

    @property
    def examined(self) -> int: ...
    @property
    def resealed(self) -> int: ...
    @property
    def pending_resealed(self) -> int: ...
    def to_dict(self) -> _Json: ...

@final
class Metrics:
    """The Calendar request counters of a stack, added up over its credentials."""

    @property
    def requests(self) -> int: ...
    @property
    def retries(self) -> int: ...
    @property
    def throttled_waits(self) -> int: ...
    @property
    def unauthorized_refreshes(self) -> int: ...
    @property
    def errors(self) -> dict[str, int]: ...
    def to_dict(self) -> _Json: ...


# iCalendar (used by calstack.ics, which is the public interface)

from collections.abc import Callable as _Callable

def _ics_parse(text: str, default_zone: str = "UTC", skip_invalid: bool = False) -> _Json: ...
def _ics_write(events: Iterable[Union[Event, Mapping[str, Any]]], name: str = "calstack") -> str: ...
@overload
def _ics_import(
    calendar: Calendar,
    calendar_id: str,
    text: str,
    skip_invalid: bool = False,
    default_zone: Optional[str] = None,
    batch: bool = True,
    progress: Optional[_Callable[[int, int], None]] = None,
    *,
    asyncio: Literal[False] = False,
) -> _Json: ...
@overload
def _ics_import(
    calendar: Calendar,
    calendar_id: str,
    text: str,
    skip_invalid: bool = False,
    default_zone: Optional[str] = None,
    batch: bool = True,
    progress: Optional[_Callable[[int, int], None]] = None,
    *,
    asyncio: Literal[True],
) -> Awaitable[_Json]: ...
@overload
def _ics_export(
    calendar: Calendar,
    calendar_id: str,
    time_min: Optional[datetime.datetime] = None,
    time_max: Optional[datetime.datetime] = None,
    *,
    asyncio: Literal[False] = False,
) -> str: ...
@overload
def _ics_export(
    calendar: Calendar,
    calendar_id: str,
    time_min: Optional[datetime.datetime] = None,
    time_max: Optional[datetime.datetime] = None,
    *,
    asyncio: Literal[True],
) -> Awaitable[str]: ...
