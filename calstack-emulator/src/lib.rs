//! A stateful local emulator of Google Calendar v3 and Google OAuth.
