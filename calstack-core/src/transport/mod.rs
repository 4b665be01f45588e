//! The one place HTTP happens: base URLs, auth header injection, retries with backoff, throttling, counters and tracing.
