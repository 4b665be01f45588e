//! The whole emulated world (`State`) and the settings it starts from (`Config`): its
//! change counter, clock, request counters and per-account quota windows. The operations of
//! each API area live beside it, in their own files.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::faults::FaultState;
use crate::state::clock::EmuClock;
use crate::state::model::account::Account;
use crate::state::model::calendar::Calendar;
use crate::state::model::channel::{Channel, Notification};
use crate::state::model::oauth::OAuthState;

/// Settings fixed when the emulator starts (some can be changed later through the admin API).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) access_token_lifetime: Duration,
    pub(crate) strict_clients: bool,
    pub(crate) default_account: String,
    pub(crate) refresh_token_lifetime: Option<Duration>,
    pub(crate) user_rate_limit_per_minute: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            access_token_lifetime: Duration::from_secs(3599),
            strict_clients: false,
            default_account: crate::consts::DEFAULT_ACCOUNT.to_owned(),
            refresh_token_lifetime: None,
            user_rate_limit_per_minute: None,
        }
    }
}

/// The whole emulated world.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) config: Config,
    pub(crate) clock: EmuClock,
    seq: u64,
    pub(crate) accounts: BTreeMap<String, Account>,
    pub(crate) calendars: HashMap<String, Calendar>,
    pub(crate) oauth: OAuthState,
    pub(crate) faults: FaultState,
    pub(crate) counters: BTreeMap<String, u64>,
    pub(crate) channels: HashMap<String, Channel>,
    pub(crate) notifications: Vec<Notification>,
    quota_windows: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl State {
    /// An empty world holding only the default account.
    pub(crate) fn new(config: Config) -> Self {
        let default_account = config.default_account.clone();
        let mut state = Self {
            config,
            clock: EmuClock::default(),
            seq: 1,
            accounts: BTreeMap::new(),
            calendars: HashMap::new(),
            oauth: OAuthState::default(),
            faults: FaultState::default(),
            counters: BTreeMap::new(),
            channels: HashMap::new(),
            notifications: Vec::new(),
            quota_windows: HashMap::new(),
        };
        state.ensure_account(&default_account);
        state
    }

    /// Forgets everything except the start-up configuration.
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.config.clone());
    }

    /// The emulator's current time.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A new, strictly increasing change number (orders every write, drives sync tokens and etags).
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The latest change number handed out.
    pub(crate) fn current_seq(&self) -> u64 {
        self.seq
    }

    /// Counts one request to `endpoint`.
    pub(crate) fn count(&mut self, endpoint: &str) {
        *self.counters.entry(endpoint.to_owned()).or_default() += 1;
    }

    /// Records one Calendar API request by `account`; false when it exceeds the per-minute quota.
    pub(crate) fn take_quota(&mut self, account: &str) -> bool {
        let Some(limit) = self.config.user_rate_limit_per_minute else {
            return true;
        };
        let now = self.now();
        let window = self.quota_windows.entry(account.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|t| now.signed_duration_since(*t) >= chrono::TimeDelta::minutes(1))
        {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            return false;
        }
        window.push_back(now);
        true
    }
}
