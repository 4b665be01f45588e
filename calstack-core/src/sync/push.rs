//! Push notifications: each mirrored calendar watched through `events.watch` with a random
//! verification token (sealed in the store, never logged), renewed before it expires and
//! stopped when the calendar goes; and the check of an incoming notification's `X-Goog-*`
//! headers, which makes that one calendar due at once.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::Rng as _;

use super::PushOptions;
use super::run::delta;
use crate::calendar::{CalendarClient, Channel};
use crate::error::{Error, Result};
use crate::facade::Calstack;
use crate::store::{CalendarKey, MirroredCalendar, PushChannel};

/// The longest header value accepted (Google's ids and tokens are far shorter).
const MAX_HEADER_LEN: usize = 1024;

/// What a notification says happened to the watched calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResourceState {
    /// The channel was just opened; nothing changed.
    Sync,
    /// Something in the calendar changed.
    Exists,
    /// The calendar no longer exists (or is no longer visible).
    NotExists,
}

/// A notification that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Notification {
    /// The calendar it is about (made due at once unless the state is `sync`).
    pub calendar: CalendarKey,
    /// What happened.
    pub state: ResourceState,
    /// Google's message number, when sent.
    pub message_number: Option<u64>,
}

/// Associated data binding a sealed channel token to its calendar and channel:
/// `calstack:v1:mirror-channel:<client>:<calendar>:<channel id>`.
fn channel_aad(key: &CalendarKey, channel_id: &str) -> String {
    format!(
        "calstack:v1:mirror-channel:{}:{}:{channel_id}",
        key.client_id, key.calendar_id
    )
}

/// Watches `calendar` unless its confirmed channel is still good for longer than
/// `renew_before`; a replaced channel is stopped.
///
/// The new channel is stored, unconfirmed, before the `events.watch` call: Google sends its
/// `sync` message as it opens the channel, often before the answer arrives, and that message
/// must find its channel (in this process or any other sharing the store). If the call fails,
/// the channel it replaced is put back.
pub(crate) async fn ensure_channel(
    cs: &Calstack,
    calendar: &MirroredCalendar,
    push: &PushOptions,
) -> Result<()> {
    let now = cs.clock().now();
    if let Some(channel) = &calendar.channel
        && channel.confirmed()
        && channel.expires_at - delta(push.renew_before) > now
    {
        return Ok(());
    }
    let key = calendar.key();
    let api = cs.calendar_for_credential(calendar.meta.credential_id)?;
    let id = uuid::Uuid::new_v4().to_string();
    let token = URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>());
    let wanted = now + delta(push.ttl);
    let mut channel = PushChannel {
        id: id.clone(),
        resource_id: String::new(),
        expires_at: wanted,
        token: cs.oauth().keyring().seal(&token, &channel_aad(key, &id))?,
    };
    cs.store().set_channel(key, Some(&channel)).await?;
    let mut request = Channel::web_hook(id, push.address.as_str());
    request.token = Some(token);
    request.expiration = Some(wanted.timestamp_millis());
    let (resource_id, expires_at) = match watch(&api, &key.calendar_id, request).await {
        Ok(answer) => answer,
        Err(e) => {
            if let Err(restore) = cs.store().set_channel(key, calendar.channel.as_ref()).await {
                tracing::warn!(calendar = %key, error = %restore,
                    "could not put back the channel a failed watch was to replace");
            }
            return Err(e);
        }
    };
    channel.resource_id = resource_id;
    channel.expires_at = expires_at.unwrap_or(wanted);
    cs.store().set_channel(key, Some(&channel)).await?;
    tracing::info!(calendar = %key, channel = %channel.id, "calendar watched");
    if calendar.channel.is_some()
        && let Err(e) = stop_channel(cs, calendar).await
    {
        tracing::debug!(calendar = %key, error = %e, "could not stop the replaced channel");
    }
    Ok(())
}

/// Calls `events.watch`: Google's resource id and expiry of the opened channel.
async fn watch(
    api: &CalendarClient,
    calendar_id: &str,
    request: Channel,
) -> Result<(String, Option<DateTime<Utc>>)> {
    let answer = api.events().watch(calendar_id, request).send().await?;
    let resource_id = answer
        .resource_id
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Error::Decode {
            path: "resourceId".to_owned(),
            message: "the watch answer carried no resourceId".to_owned(),
        })?;
    let expires_at = answer
        .expiration
        .and_then(DateTime::<Utc>::from_timestamp_millis);
    Ok((resource_id, expires_at))
}

/// Stops `calendar`'s current channel at Google (`channels.stop`); an unconfirmed channel has
/// no resource id to name and is left to expire.
pub(crate) async fn stop_channel(cs: &Calstack, calendar: &MirroredCalendar) -> Result<()> {
    let Some(channel) = calendar.channel.as_ref().filter(|c| c.confirmed()) else {
        return Ok(());
    };
    let api = cs.calendar_for_credential(calendar.meta.credential_id)?;
    let stop = Channel {
        id: Some(channel.id.clone()),
        resource_id: Some(channel.resource_id.clone()),
        ..Channel::default()
    };
    api.channels().stop(&stop).send().await
}

/// The `X-Goog-*` headers a notification carries.
#[derive(Debug, Default)]
struct Headers {
    channel_id: Option<String>,
    token: Option<String>,
    resource_id: Option<String>,
    state: Option<String>,
    message_number: Option<String>,
}

impl Headers {
    fn parse<K: AsRef<str>, V: AsRef<[u8]>>(
        headers: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self> {
        let mut out = Headers::default();
        for (name, value) in headers {
            let name = name.as_ref();
            let slot = match name.to_ascii_lowercase().as_str() {
                "x-goog-channel-id" => &mut out.channel_id,
                "x-goog-channel-token" => &mut out.token,
                "x-goog-resource-id" => &mut out.resource_id,
                "x-goog-resource-state" => &mut out.state,
                "x-goog-message-number" => &mut out.message_number,
                _ => continue,
            };
            *slot = Some(header_text(canonical(name), value.as_ref())?);
        }
        Ok(out)
    }
}

/// The header's usual spelling, for error messages (never the caller's bytes).
fn canonical(name: &str) -> &'static str {
    match name.to_ascii_lowercase().as_str() {
        "x-goog-channel-id" => "X-Goog-Channel-ID",
        "x-goog-channel-token" => "X-Goog-Channel-Token",
        "x-goog-resource-id" => "X-Goog-Resource-ID",
        "x-goog-resource-state" => "X-Goog-Resource-State",
        _ => "X-Goog-Message-Number",
    }
}

fn header_text(field: &'static str, bytes: &[u8]) -> Result<String> {
    if bytes.is_empty() || bytes.len() > MAX_HEADER_LEN {
        return Err(Error::validation(field, "empty or longer than 1024 bytes"));
    }
    if !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err(Error::validation(field, "not printable ASCII"));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

fn required(value: Option<String>, field: &'static str) -> Result<String> {
    value.ok_or_else(|| Error::validation(field, "missing"))
}

/// Compares without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Checks a notification against the stored channel and marks its calendar due.
pub(crate) async fn handle<K: AsRef<str>, V: AsRef<[u8]>>(
    cs: &Calstack,
    headers: impl IntoIterator<Item = (K, V)>,
) -> Result<Notification> {
    let h = Headers::parse(headers)?;
    let channel_id = required(h.channel_id, "X-Goog-Channel-ID")?;
    let token = required(h.token, "X-Goog-Channel-Token")?;
    let resource_id = required(h.resource_id, "X-Goog-Resource-ID")?;
    let state = match required(h.state, "X-Goog-Resource-State")?.as_str() {
        "sync" => ResourceState::Sync,
        "exists" => ResourceState::Exists,
        "not_exists" => ResourceState::NotExists,
        _ => {
            return Err(Error::validation(
                "X-Goog-Resource-State",
                "expected sync, exists or not_exists",
            ));
        }
    };
    let message_number = match h.message_number {
        Some(n) => Some(n.parse::<u64>().map_err(|_| {
            Error::validation("X-Goog-Message-Number", "not a non-negative integer")
        })?),
        None => None,
    };
    let calendar = cs
        .store()
        .calendar_by_channel(&channel_id)
        .await?
        .ok_or_else(|| {
            Error::validation("X-Goog-Channel-ID", "no mirrored calendar has this channel")
        })?;
    let Some(channel) = &calendar.channel else {
        return Err(Error::validation(
            "X-Goog-Channel-ID",
            "the channel was stopped",
        ));
    };
    let expected = cs
        .oauth()
        .keyring()
        .open(&channel.token, &channel_aad(calendar.key(), &channel.id))?;
    if !same_secret(expected.secret(), &token) {
        return Err(Error::validation(
            "X-Goog-Channel-Token",
            "does not match the channel's token",
        ));
    }
    // The token already proves the sender; an unconfirmed channel's resource id is not known
    // yet (its `sync` message can arrive before Google's answer to the watch call).
    if channel.confirmed() && channel.resource_id != resource_id {
        return Err(Error::validation(
            "X-Goog-Resource-ID",
            "does not match the watched calendar",
        ));
    }
    if state != ResourceState::Sync {
        cs.store()
            .mark_due(calendar.key(), cs.clock().now())
            .await?;
    }
    Ok(Notification {
        calendar: calendar.meta.key,
        state,
        message_number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_case_insensitive_and_values_must_be_printable() {
        let parsed = Headers::parse([("x-goog-channel-id", b"abc".as_slice())]).expect("parses");
        assert_eq!(parsed.channel_id.as_deref(), Some("abc"));
        let bad = Headers::parse([("X-Goog-Channel-Token", b"a\nb".as_slice())]);
        assert!(
            matches!(&bad, Err(Error::Validation { field, .. }) if field == "X-Goog-Channel-Token"),
            "{bad:?}"
        );
    }

    /// A facade over a memory store holding one mirrored, watched calendar.
    async fn watched() -> (Calstack, CalendarKey, MirroredCalendar) {
        use crate::crypto::{EncryptionKey, Keyring};
        use crate::store::MemoryStore;
        let keyring = Keyring::new(EncryptionKey::generate());
        let store = std::sync::Arc::new(MemoryStore::new());
        let cs = Calstack::builder()
            .store(store)
            .keyring(keyring.clone())
            .build()
            .expect("facade");
        let client = cs
            .clients()
            .create("Prop Ltd", "prop@prop.test")
            .await
            .expect("client");
        let credential = crate::store::conformance::full_credential_for(client.id);
        cs.store()
            .insert_credential(&credential)
            .await
            .expect("credential");
        let key = CalendarKey::new(client.id, "prop@prop.test");
        let meta = crate::store::CalendarMetadata {
            primary: true,
            ..crate::store::CalendarMetadata::new(key.clone(), credential.id)
        };
        cs.store()
            .upsert_calendar(&meta, Utc::now())
            .await
            .expect("calendar");
        let channel = PushChannel {
            id: "chan-1".into(),
            resource_id: "res-1".into(),
            expires_at: Utc::now(),
            token: keyring
                .seal("secret-token", &channel_aad(&key, "chan-1"))
                .expect("seal"),
        };
        cs.store()
            .set_channel(&key, Some(&channel))
            .await
            .expect("channel");
        let stored = cs
            .store()
            .get_calendar(&key)
            .await
            .expect("get")
            .expect("stored");
        (cs, key, stored)
    }

    #[tokio::test]
    async fn a_genuine_notification_makes_the_calendar_due() {
        let (cs, key, before) = watched().await;
        let headers = [
            ("X-Goog-Channel-ID", "chan-1"),
            ("X-Goog-Channel-Token", "secret-token"),
            ("X-Goog-Resource-ID", "res-1"),
            ("X-Goog-Resource-State", "exists"),
            ("X-Goog-Message-Number", "7"),
        ];
        let note = handle(&cs, headers.map(|(k, v)| (k, v.as_bytes())))
            .await
            .expect("ok");
        assert_eq!((note.calendar, note.message_number), (key.clone(), Some(7)));
        let after = cs
            .store()
            .get_calendar(&key)
            .await
            .expect("get")
            .expect("stored");
        assert!(after.next_sync_due <= Utc::now() && after.next_sync_due >= before.next_sync_due);
    }

    #[tokio::test]
    async fn a_sync_message_before_the_watch_answer_finds_its_unconfirmed_channel() {
        let (cs, key, _) = watched().await;
        let pending = PushChannel {
            id: "chan-2".into(),
            resource_id: String::new(),
            expires_at: Utc::now(),
            token: cs
                .oauth()
                .keyring()
                .seal("fresh-token", &channel_aad(&key, "chan-2"))
                .expect("seal"),
        };
        assert!(!pending.confirmed());
        cs.store()
            .set_channel(&key, Some(&pending))
            .await
            .expect("pending channel");
        let headers = |token: &'static str| {
            [
                ("X-Goog-Channel-ID", "chan-2"),
                ("X-Goog-Channel-Token", token),
                ("X-Goog-Resource-ID", "res-google-chose"),
                ("X-Goog-Resource-State", "sync"),
            ]
            .map(|(k, v)| (k, v.as_bytes()))
        };
        let note = handle(&cs, headers("fresh-token"))
            .await
            .expect("accepted while the watch call is in flight");
        assert_eq!((note.calendar, note.state), (key, ResourceState::Sync));
        let forged = handle(&cs, headers("guessed-token")).await;
        assert!(
            matches!(&forged, Err(Error::Validation { field, .. }) if field == "X-Goog-Channel-Token"),
            "{forged:?}"
        );
        let replaced = [
            ("X-Goog-Channel-ID", "chan-1"),
            ("X-Goog-Channel-Token", "secret-token"),
            ("X-Goog-Resource-ID", "res-1"),
            ("X-Goog-Resource-State", "exists"),
        ];
        let old = handle(&cs, replaced.map(|(k, v)| (k, v.as_bytes()))).await;
        assert!(
            matches!(&old, Err(Error::Validation { field, .. }) if field == "X-Goog-Channel-ID"),
            "the replaced channel is no longer accepted: {old:?}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn arbitrary_header_bytes_give_a_typed_error_and_change_nothing(
            headers in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "X-Goog-Channel-ID", "x-goog-channel-token", "X-GOOG-RESOURCE-ID",
                        "X-Goog-Resource-State", "X-Goog-Message-Number", "Other",
                    ]),
                    proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
                ),
                0..8,
            )
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let (cs, key, before) = watched().await;
                let result = handle(&cs, headers.iter().map(|(k, v)| (*k, v.as_slice()))).await;
                assert!(
                    matches!(result, Err(Error::Validation { .. })),
                    "{result:?}"
                );
                let after = cs.store().get_calendar(&key).await.expect("get");
                assert_eq!(after, Some(before));
            });
        }
    }

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
