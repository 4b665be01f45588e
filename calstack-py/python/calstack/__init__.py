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
    AgendaEntry,
    Conflict,
    ConflictSide,
    ApiError,
    AuthorizationError,
    Calendar,
    CalendarListEntry,
    Calstack,
    CalstackError,
    Client,
    Clients,
    ConflictError,
    Event,
    EventAttendee,
    EventDateTime,
    NotFoundError,
    OAuth,
    OAuthCredential,
    PreconditionFailedError,
    RateLimitedError,
    ReauthorizationRequired,
    StoreError,
    SyncResult,
    SyncTokenExpiredError,
    TransportError,
    ValidationError,
    __version__,
    generate_key,
)

__all__ = [
    "AclRule",
    "AgendaEntry",
    "Conflict",
    "ConflictSide",
    "ApiError",
    "AuthorizationError",
    "Calendar",
    "CalendarListEntry",
    "Calstack",
    "CalstackError",
    "Client",
    "Clients",
    "ConflictError",
    "Event",
    "EventAttendee",
    "EventDateTime",
    "NotFoundError",
    "OAuth",
    "OAuthCredential",
    "PreconditionFailedError",
    "RateLimitedError",
    "ReauthorizationRequired",
    "StoreError",
    "SyncResult",
    "SyncTokenExpiredError",
    "TransportError",
    "ValidationError",
    "__version__",
    "generate_key",
]
