//! `VTIMEZONE` blocks generated from the IANA data (chrono-tz) for the range a file covers:
//! one observance per offset change in the range, plus the offset in force at its start, so a
//! strict reader never has to know the zone's name.

use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::values::format_offset;

/// The offset facts that make one observance.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    offset: i32,
    daylight: bool,
    name: String,
}

fn state_at(tz: Tz, at: NaiveDateTime) -> State {
    let o = tz.offset_from_utc_datetime(&at);
    State {
        offset: o.fix().local_minus_utc(),
        daylight: !o.dst_offset().is_zero(),
        name: o.abbreviation().unwrap_or_default().to_owned(),
    }
}

/// Offset changes of `tz` in `[from, to]`: `(instant in UTC, state before, state after)`.
fn transitions(
    tz: Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Vec<(NaiveDateTime, State, State)> {
    let mut out = Vec::new();
    let mut t = from;
    let mut before = state_at(tz, t);
    while t < to {
        let next = (t + TimeDelta::days(1)).min(to);
        let after = state_at(tz, next);
        if after != before {
            // The change is within (t, next]: narrow it to the second.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > TimeDelta::seconds(1) {
                let mid = lo + TimeDelta::seconds((hi - lo).num_seconds() / 2);
                if state_at(tz, mid) == before {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((hi, before.clone(), after.clone()));
        }
        before = after;
        t = next;
    }
    out
}

fn observance(lines: &mut Vec<String>, local: NaiveDateTime, from: &State, to: &State) {
    let kind = if to.daylight { "DAYLIGHT" } else { "STANDARD" };
    lines.push(format!("BEGIN:{kind}"));
    lines.push(format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
    lines.push(format!("TZOFFSETFROM:{}", format_offset(from.offset)));
    lines.push(format!("TZOFFSETTO:{}", format_offset(to.offset)));
    if !to.name.is_empty() {
        lines.push(format!("TZNAME:{}", to.name));
    }
    lines.push(format!("END:{kind}"));
}

/// The `VTIMEZONE` of `tz` for events between `from` and `to`, as content lines.
pub(crate) fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    // Whole days, so the search for each change lands on a whole minute.
    let start = (from - TimeDelta::days(1))
        .date_naive()
        .and_time(chrono::NaiveTime::MIN);
    let end = (to + TimeDelta::days(1)).naive_utc().max(start);
    let mut lines = vec!["BEGIN:VTIMEZONE".to_owned(), format!("TZID:{}", tz.name())];
    let first = state_at(tz, start);
    let local_start = start + TimeDelta::seconds(i64::from(first.offset));
    observance(&mut lines, local_start, &first, &first);
    for (at, before, after) in transitions(tz, start, end) {
        let local = at + TimeDelta::seconds(i64::from(before.offset));
        observance(&mut lines, local, &before, &after);
    }
    lines.push("END:VTIMEZONE".to_owned());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_2026_has_both_changes_at_the_right_local_times() {
        let from = Utc
            .with_ymd_and_hms(2026, 1, 10, 0, 0, 0)
            .single()
            .expect("valid");
        let to = Utc
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let text = vtimezone(chrono_tz::Europe::Berlin, from, to).join("\n");
        assert!(text.contains("BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST"), "{text}");
        assert!(
            text.contains(
                "BEGIN:STANDARD\nDTSTART:20261025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let to = Utc
            .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let lines = vtimezone(chrono_tz::Asia::Tokyo, from, to);
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with("BEGIN:STANDARD"))
                .count(),
            1
        );
    }
}
