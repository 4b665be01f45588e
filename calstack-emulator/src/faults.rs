//! Fault injection: scripted faults ("fail the next 2 `events.insert` calls with 503") and seeded
//! probabilistic faults ("10% of all calls answer 429"), matched against endpoint names such as
//! `events.insert`, `oauth.token` or patterns such as `events.*` and `*`.

use std::collections::VecDeque;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// One fault the emulator can inject in place of (or, for latency, before) a normal answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// 429 `rateLimitExceeded`, with a `Retry-After` header when `retry_after_secs` is set.
    TooManyRequests {
        /// Seconds to put in `Retry-After`.
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// 403 `rateLimitExceeded`.
    RateLimitExceeded,
    /// 403 `userRateLimitExceeded`.
    UserRateLimitExceeded,
    /// 403 `quotaExceeded` (Calendar usage limits).
    QuotaExceeded,
    /// 500 `backendError`.
    InternalError,
    /// 503 `backendError`.
    ServiceUnavailable,
    /// Answer normally, but only after `millis` milliseconds.
    Latency {
        /// Added delay in milliseconds.
        millis: u64,
    },
    /// Close the connection without sending any response (the request is not applied).
    DropConnection,
    /// Apply the request, then close the connection without sending the response: the write
    /// happened but the client never hears of it (the case that makes a retried insert meet
    /// 409 and a retried delete meet 410). Inside a batch part: applied, then answered 503.
    DropAfterApply,
}

/// "Inject `fault` into the next `times` requests to `endpoint`".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptedFault {
    /// Endpoint name (`events.insert`), prefix pattern (`events.*`) or `*` for every endpoint.
    pub endpoint: String,
    /// What to do instead of answering normally.
    pub fault: Fault,
    /// How many matching requests get the fault (default 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl ScriptedFault {
    /// A script entry failing the next `times` calls to `endpoint` with `fault`.
    pub fn new(endpoint: impl Into<String>, fault: Fault, times: u32) -> Self {
        Self {
            endpoint: endpoint.into(),
            fault,
            times,
        }
    }
}

/// A fault injected at random with the given probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomFault {
    /// Endpoint name, prefix pattern (`events.*`) or `*`.
    pub endpoint: String,
    /// What to do instead of answering normally.
    pub fault: Fault,
    /// Chance in `[0, 1]` that a matching request gets the fault.
    pub probability: f64,
}

/// Seeded random faults: the same seed and the same request sequence give the same faults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultProfile {
    /// Seed of the random generator.
    #[serde(default)]
    pub seed: u64,
    /// The rules, tried in order; the first rule whose dice roll hits wins.
    #[serde(default)]
    pub rules: Vec<RandomFault>,
}

/// Whether `pattern` (`*`, `events.*`, `events.insert`) matches `endpoint`.
pub(crate) fn endpoint_matches(pattern: &str, endpoint: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => endpoint.starts_with(prefix),
        None => pattern == endpoint,
    }
}

/// The live fault state: the script queue and the seeded profile.
#[derive(Debug)]
pub(crate) struct FaultState {
    script: VecDeque<ScriptedFault>,
    profile: FaultProfile,
    rng: StdRng,
    /// When set, list pages hold at most this many items (short pages).
    pub(crate) page_cap: Option<usize>,
}

impl Default for FaultState {
    fn default() -> Self {
        Self {
            script: VecDeque::new(),
            profile: FaultProfile::default(),
            rng: StdRng::seed_from_u64(0),
            page_cap: None,
        }
    }
}

impl FaultState {
    /// Appends a scripted fault.
    pub(crate) fn push_script(&mut self, entry: ScriptedFault) {
        if entry.times > 0 {
            self.script.push_back(entry);
        }
    }

    /// Replaces the random profile and reseeds the generator.
    pub(crate) fn set_profile(&mut self, profile: FaultProfile) {
        self.rng = StdRng::seed_from_u64(profile.seed);
        self.profile = profile;
    }

    /// Removes every scripted and random fault and the page cap.
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    /// Decides the fault (if any) for one request to `endpoint`. Scripts come first.
    pub(crate) fn next_fault(&mut self, endpoint: &str) -> Option<Fault> {
        if let Some(pos) = self
            .script
            .iter()
            .position(|s| endpoint_matches(&s.endpoint, endpoint))
        {
            let entry = self.script.get_mut(pos)?;
            let fault = entry.fault.clone();
            entry.times -= 1;
            if entry.times == 0 {
                self.script.remove(pos);
            }
            return Some(fault);
        }
        for rule in &self.profile.rules {
            if endpoint_matches(&rule.endpoint, endpoint)
                && self.rng.random_bool(rule.probability.clamp(0.0, 1.0))
            {
                return Some(rule.fault.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_applies_exactly_n_times_to_matching_endpoint() {
        let mut state = FaultState::default();
        state.push_script(ScriptedFault::new(
            "events.insert",
            Fault::ServiceUnavailable,
            2,
        ));
        assert_eq!(state.next_fault("events.list"), None);
        assert_eq!(
            state.next_fault("events.insert"),
            Some(Fault::ServiceUnavailable)
        );
        assert_eq!(
            state.next_fault("events.insert"),
            Some(Fault::ServiceUnavailable)
        );
        assert_eq!(state.next_fault("events.insert"), None);
    }

    #[test]
    fn same_seed_gives_same_faults() {
        let profile = FaultProfile {
            seed: 7,
            rules: vec![RandomFault {
                endpoint: "*".into(),
                fault: Fault::InternalError,
                probability: 0.5,
            }],
        };
        let run = || {
            let mut state = FaultState::default();
            state.set_profile(profile.clone());
            (0..64)
                .map(|_| state.next_fault("events.get").is_some())
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        assert!(first.iter().any(|hit| *hit) && first.iter().any(|hit| !*hit));
    }

    #[test]
    fn drop_after_apply_round_trips_through_json() {
        let text =
            r#"{"endpoint":"events.*","fault":{"kind":"drop_after_apply"},"probability":0.1}"#;
        let rule: RandomFault = serde_json::from_str(text).expect("parses");
        assert_eq!(rule.fault, Fault::DropAfterApply);
        let back = serde_json::to_value(&rule).expect("serializes");
        assert_eq!(back["fault"]["kind"], "drop_after_apply");
    }

    #[test]
    fn prefix_patterns_match_endpoint_families() {
        assert!(endpoint_matches("events.*", "events.insert"));
        assert!(!endpoint_matches("events.*", "calendars.get"));
        assert!(endpoint_matches("*", "oauth.token"));
    }
}
