//! The emulator's in-memory world: accounts, calendars and events, OAuth clients and grants,
//! faults, quotas and request counters. One `State` sits behind one mutex; handlers lock it,
//! do their (synchronous, fast) work and unlock before any I/O.
//!
//! Layout, from the ground up: `model/` holds the records the world is made of (no behaviour
//! beyond rendering them), `world` the `State` that owns them, `shared` the lock handlers use;
//! each Calendar API or OAuth area adds its operations to `State` in a file or folder of its
//! own (`calendars/`, `events/`, `acl`, `settings`, `channels`, `oauth/`); `listing` pages the
//! keyed lists, `patch` merges JSON bodies and `clock` keeps the emulator's (movable) time.

pub(crate) mod acl;
pub(crate) mod calendars;
pub(crate) mod channels;
pub(crate) mod clock;
pub(crate) mod events;
pub(crate) mod listing;
pub(crate) mod model;
pub(crate) mod oauth;
pub(crate) mod patch;
pub(crate) mod settings;
pub(crate) mod shared;
pub(crate) mod world;

pub(crate) use shared::Shared;
pub(crate) use world::Config;
