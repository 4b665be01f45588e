//! Which IANA zone a `TZID` means.
//!
//! In order: an IANA name (`Europe/Berlin`), one with a vendor prefix
//! (`/mozilla.org/20050126_1/Europe/Berlin`, `/freeassociation.sourceforge.net/Tzfile/…`,
//! `custom_America/New_York`), a Windows name (`W. Europe Standard Time`); else the file's own
//! `VTIMEZONE` definition is compared with every IANA zone over the time around the event, and
//! the best-named match wins (`Western/Central Europe` → `Europe/Berlin`); else a fixed-offset
//! zone (`Etc/GMT-1`) is used. Every guess beyond a plain name is said in the notes.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;

use super::error::IcsError;
use super::lexer::Component;
use super::tzdef::TzDefinition;
use super::windows::WINDOWS_ZONES;

/// Zones named or defined in one VCALENDAR, resolved once per `TZID`.
#[derive(Debug)]
pub(crate) struct Zones {
    definitions: HashMap<String, TzDefinition>,
    resolved: HashMap<String, Tz>,
    /// The zone floating times are read in.
    pub(crate) floating: Tz,
    /// What was guessed, for the report.
    pub(crate) notes: Vec<String>,
}

impl Zones {
    /// Reads the calendar's `VTIMEZONE`s; `X-WR-TIMEZONE` (when an IANA name) replaces
    /// `default` for floating times.
    pub(crate) fn new(calendar: &Component, default: Tz) -> Result<Self, IcsError> {
        let mut definitions = HashMap::new();
        for c in calendar.children.iter().filter(|c| c.name == "VTIMEZONE") {
            let def = TzDefinition::from_component(c)?;
            definitions.insert(def.tzid.clone(), def);
        }
        let floating = calendar
            .value("X-WR-TIMEZONE")
            .and_then(iana_from_name)
            .unwrap_or(default);
        Ok(Self {
            definitions,
            resolved: HashMap::new(),
            floating,
            notes: Vec::new(),
        })
    }

    /// The zone `tzid` means for a time around `near` (local).
    pub(crate) fn resolve(&mut self, tzid: &str, near: NaiveDateTime) -> Result<Tz, String> {
        let tzid = tzid.trim().trim_matches('"');
        if let Some(tz) = self.resolved.get(tzid) {
            return Ok(*tz);
        }
        let tz = match iana_from_name(tzid) {
            Some(tz) => {
                if tz.name() != tzid {
                    self.notes
                        .push(format!("TZID {tzid:?} read as {}", tz.name()));
                }
                tz
            }
            None => {
                let def = self.definitions.get(tzid).ok_or_else(|| {
                    format!(
                        "TZID {tzid:?} is neither an IANA time zone name (e.g. Europe/Zurich) nor defined by a VTIMEZONE in the file"
                    )
                })?;
                let (tz, note) = match_definition(def, near);
                self.notes.push(note);
                tz
            }
        };
        self.resolved.insert(tzid.to_owned(), tz);
        Ok(tz)
    }
}

/// An IANA zone from a name, with vendor prefixes and Windows names understood.
pub(crate) fn iana_from_name(name: &str) -> Option<Tz> {
    let name = name.trim().trim_matches('"');
    let bare = name.strip_prefix("custom_").unwrap_or(name);
    if let Ok(tz) = bare.parse::<Tz>() {
        return Some(tz);
    }
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(bare))
    {
        return iana.parse().ok();
    }
    // `/vendor/version/Region/City`: the longest tail that is a zone name with a region.
    bare.match_indices('/')
        .map(|(i, _)| &bare[i + 1..])
        .filter(|tail| tail.contains('/'))
        .find_map(|tail| tail.parse::<Tz>().ok())
}

/// A wall-clock time in `tz`; in a fall-back overlap the earlier instant wins, and a time in a
/// spring-forward gap is refused.
pub(crate) fn resolve_local(local: NaiveDateTime, tz: Tz) -> Result<DateTime<FixedOffset>, String> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.fixed_offset()),
        LocalResult::Ambiguous(first, _) => Ok(first.fixed_offset()),
        LocalResult::None => Err(format!(
            "{local} does not exist in {tz} (daylight-saving gap)"
        )),
    }
}

/// The IANA zone whose offsets equal `def`'s from half a year before `near` to 18 months
/// after, preferring names that share words with the `TZID`; else a fixed-offset zone.
fn match_definition(def: &TzDefinition, near: NaiveDateTime) -> (Tz, String) {
    let from = near - TimeDelta::days(183);
    let until = near + TimeDelta::days(548);
    let transitions = def.transitions(until);
    let mut samples: Vec<NaiveDateTime> = Vec::new();
    let mut t = from;
    while t <= until {
        samples.push(t);
        t += TimeDelta::days(7);
    }
    for (at, _) in transitions
        .iter()
        .filter(|(at, _)| *at >= from && *at <= until)
    {
        samples.push(*at - TimeDelta::hours(1));
        samples.push(*at + TimeDelta::hours(1));
    }
    let wanted: Vec<i32> = samples
        .iter()
        .map(|s| def.offset_at(&transitions, *s))
        .collect();
    let best = chrono_tz::TZ_VARIANTS
        .iter()
        .filter(|tz| {
            samples
                .iter()
                .zip(&wanted)
                .all(|(s, w)| tz.offset_from_utc_datetime(s).fix().local_minus_utc() == *w)
        })
        .max_by_key(|tz| {
            (
                name_score(&def.tzid, tz.name()),
                std::cmp::Reverse(tz.name()),
            )
        });
    let window = format!("{} to {}", from.date(), until.date());
    if let Some(tz) = best {
        return (
            *tz,
            format!(
                "TZID {:?} read as {}: its VTIMEZONE matches that zone from {window}",
                def.tzid,
                tz.name()
            ),
        );
    }
    let offset = def.offset_at(&transitions, near);
    let fixed = fixed_zone(offset, near);
    let how = if def.has_changes() {
        "matches no IANA zone (its daylight-saving rules are not used)"
    } else {
        "matches no IANA zone"
    };
    (
        fixed,
        format!(
            "TZID {:?} {how}: read as the fixed offset {} ({})",
            def.tzid,
            super::values::format_offset(offset),
            fixed.name()
        ),
    )
}

/// `Etc/GMT-1` for +01:00 (the sign is inverted in these names); for an offset that is not a
/// whole number of hours, a zone with that offset at `near`.
fn fixed_zone(offset: i32, near: NaiveDateTime) -> Tz {
    if offset % 3600 != 0 {
        return chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.offset_from_utc_datetime(&near).fix().local_minus_utc() == offset)
            .copied()
            .unwrap_or(Tz::UTC);
    }
    let hours = -offset / 3600;
    let name = match hours {
        0 => "Etc/GMT".to_owned(),
        h if h > 0 => format!("Etc/GMT+{h}"),
        h => format!("Etc/GMT{h}"),
    };
    name.parse().unwrap_or(Tz::UTC)
}

/// Higher for zones a person would pick for this `TZID`: sharing a word (a city, a region),
/// then canonical `Region/City` names over aliases, then the most used zones.
fn name_score(tzid: &str, zone: &str) -> u32 {
    const POPULAR: &[&str] = &[
        "Europe/Berlin",
        "Europe/London",
        "Europe/Paris",
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Sao_Paulo",
        "Asia/Tokyo",
        "Asia/Shanghai",
        "Asia/Kolkata",
        "Australia/Sydney",
    ];
    const REGIONS: &[&str] = &[
        "Africa/",
        "America/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    let words: Vec<String> = tzid
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_ascii_lowercase)
        .collect();
    let zone_lower = zone.to_ascii_lowercase().replace('_', " ");
    let shared = words
        .iter()
        .filter(|w| zone_lower.split(['/', ' ']).any(|part| part == w.as_str()))
        .count();
    let shared = u32::try_from(shared).unwrap_or(u32::MAX).min(9);
    let canonical = u32::from(REGIONS.iter().any(|r| zone.starts_with(r)));
    let popular = u32::from(POPULAR.contains(&zone));
    shared * 100 + canonical * 10 + popular
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_prefixes_and_windows_names_resolve() {
        for (name, iana) in [
            ("Europe/Berlin", "Europe/Berlin"),
            ("/mozilla.org/20050126_1/Europe/Berlin", "Europe/Berlin"),
            (
                "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin",
                "Europe/Berlin",
            ),
            (
                "/freeassociation.sourceforge.net/America/Argentina/Buenos_Aires",
                "America/Argentina/Buenos_Aires",
            ),
            ("custom_America/New_York", "America/New_York"),
            ("W. Europe Standard Time", "Europe/Berlin"),
            ("\"Pacific Standard Time\"", "America/Los_Angeles"),
        ] {
            assert_eq!(iana_from_name(name).map(|t| t.name()), Some(iana), "{name}");
        }
        assert_eq!(iana_from_name("Western/Central Europe"), None);
        assert_eq!(iana_from_name("Mars Standard Time"), None);
    }

    #[test]
    fn fixed_zones_invert_the_sign() {
        let near = NaiveDateTime::default();
        assert_eq!(fixed_zone(3600, near).name(), "Etc/GMT-1");
        assert_eq!(fixed_zone(-5 * 3600, near).name(), "Etc/GMT+5");
        assert_eq!(fixed_zone(0, near).name(), "Etc/GMT");
        let india = fixed_zone(19_800, near);
        assert_eq!(
            india
                .offset_from_utc_datetime(&near)
                .fix()
                .local_minus_utc(),
            19_800
        );
    }
}
