//! Conformance check that every record's timestamps keep their microseconds.

use chrono::{TimeDelta, TimeZone, Utc};

use super::fixtures::{at, client, full_credential, pending, remove_clients};
use crate::store::Store;

/// Timestamps with sub-second parts come back equal to the microsecond, on every record.
pub async fn timestamps_keep_microseconds(s: &dyn Store) {
    let samples = [
        at(0, 1),
        at(59, 999_999),
        at(86_399, 500_000),
        Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59)
            .single()
            .expect("valid")
            + TimeDelta::microseconds(10),
        Utc.with_ymd_and_hms(2099, 6, 30, 12, 0, 0)
            .single()
            .expect("valid")
            + TimeDelta::microseconds(654_321),
    ];
    for (i, t) in samples.iter().enumerate() {
        let mut c = client("Timely", &format!("t{i}@time.test"));
        c.created_at = *t;
        c.updated_at = *t + TimeDelta::microseconds(1);
        s.insert_client(&c).await.expect("insert client");
        assert_eq!(
            s.get_client(c.id).await.expect("get"),
            Some(c.clone()),
            "client timestamps keep microseconds ({t})"
        );

        let mut cred = full_credential(c.id, *t);
        cred.updated_at = *t + TimeDelta::microseconds(3);
        cred.expires_at = Some(*t + TimeDelta::microseconds(7));
        s.insert_credential(&cred).await.expect("insert credential");
        assert_eq!(
            s.get_credential(cred.id).await.expect("get"),
            Some(cred.clone()),
            "credential timestamps keep microseconds ({t})"
        );

        let mut p = pending(
            cred.id,
            &format!("state-time-{i}"),
            *t + TimeDelta::microseconds(9),
        );
        p.created_at = *t;
        s.insert_pending(&p).await.expect("insert pending");
        assert_eq!(
            s.take_pending(&p.state).await.expect("take"),
            Some(p),
            "pending timestamps keep microseconds ({t})"
        );
    }
    remove_clients(s).await;
}
