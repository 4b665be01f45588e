"""calstack: every client's Google Calendars from one place.

Encrypted per-client Google OAuth credentials kept fresh and valid, and a typed, fast,
fault-tolerant Calendar v3 client over them. The work happens in Rust (``calstack._calstack``);
this package re-exports it.

    import calstack
    stack = calstack.Calstack(database_url="sqlite:///app.db", encryption_key=calstack.generate_key())
    client = stack.clients.create(name="Acme", email="ops@acme.test")
"""

from ._calstack import (
    AclRule,
    ApiError,
    AuthorizationError,
    Calendar,
    CalendarListEntry,
    CalendarResource,
    Calstack,
    CalstackError,
    Channel,
    Client,
    Clients,
    Colors,
    ConflictError,
    Event,
    EventAttendee,
    EventDateTime,
    EventStream,
    FreeBusy,
    Metrics,
    NotFoundError,
    OAuth,
    OAuthCredential,
    PreconditionFailedError,
    RateLimitedError,
    ReauthorizationRequired,
    RotationReport,
    StoreError,
    SyncResult,
    SyncTokenExpiredError,
    TransportError,
    ValidationError,
    __version__,
    generate_key,
)

from . import ics  # noqa: E402 - calstack.ics: iCalendar parse / import / export

__all__ = [
    "AclRule",
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
]
