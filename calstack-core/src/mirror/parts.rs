//! How a large mirror read is split: into a few disjoint groups of clients read side by side,
//! so one part's rows are opened while the next part is still being read.

use std::collections::BTreeSet;

use crate::store::{CalendarKey, MirrorSelection};

/// Calendars per part of a large read (below twice this, one read).
const CALENDARS_PER_PART: usize = 256;

/// The most parts a read is split into.
const MAX_PARTS: usize = 4;

/// Calendars from which a read is spread over the parts its store asks for (below, one read:
/// a few hundred rows open faster on one thread than they are handed out).
const MIN_SPREAD_CALENDARS: usize = 32;

/// The store selections that read the `missed` calendars: one (`every` = all the store's
/// calendars are wanted, so no client list is needed) or, for many calendars, up to
/// [`MAX_PARTS`] disjoint client groups read side by side.
///
/// `spread` is the fewest parts a read of [`MIN_SPREAD_CALENDARS`] calendars or more goes in:
/// 1, or the number of cores for a store that opens rows on the thread reading them
/// ([`crate::store::MirrorStore::visits_where_read`]), where one part keeps one core busy.
pub(crate) fn read_parts<'a>(
    every: bool,
    missed: impl ExactSizeIterator<Item = &'a CalendarKey>,
    spread: usize,
) -> Vec<MirrorSelection> {
    let least = if missed.len() >= MIN_SPREAD_CALENDARS {
        spread
    } else {
        1
    };
    let parts = (missed.len() / CALENDARS_PER_PART)
        .max(least)
        .clamp(1, MAX_PARTS);
    let clients: Vec<_> = missed
        .map(|k| k.client_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if parts == 1 {
        return vec![if every {
            MirrorSelection::all()
        } else {
            MirrorSelection::clients(clients)
        }];
    }
    clients
        .chunks(clients.len().div_ceil(parts))
        .map(|group| MirrorSelection::clients(group.iter().copied()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ClientId;

    fn keys(clients: usize, per_client: usize) -> Vec<CalendarKey> {
        (0..clients)
            .map(|_| ClientId::new())
            .flat_map(|c| (0..per_client).map(move |i| CalendarKey::new(c, format!("cal-{i}"))))
            .collect()
    }

    #[test]
    fn a_small_read_is_one_part_and_every_calendar_needs_no_client_list() {
        let few = keys(10, 2);
        assert_eq!(
            read_parts(true, few.iter(), 1),
            vec![MirrorSelection::all()]
        );
        let [one] = read_parts(false, few.iter(), 1)
            .try_into()
            .expect("one part");
        assert!(few.iter().all(|k| one.contains(k)));
        assert_eq!(one.clients.as_ref().map(Vec::len), Some(10));
    }

    #[test]
    fn a_large_read_is_split_into_disjoint_client_groups_covering_every_calendar() {
        for (clients, per_client, expected) in
            [(300, 2, 2), (1000, 2, 4), (5000, 1, 4), (3, 400, 3)]
        {
            let many = keys(clients, per_client);
            let parts = read_parts(true, many.iter(), 1);
            assert_eq!(parts.len(), expected, "{clients} x {per_client}");
            for key in &many {
                let holding = parts.iter().filter(|p| p.contains(key)).count();
                assert_eq!(holding, 1, "each calendar is read by exactly one part");
            }
            assert!(parts.iter().all(|p| p.calendars.is_none()));
        }
    }

    #[test]
    fn a_store_that_opens_where_it_reads_gets_a_part_per_core_once_there_are_enough_calendars() {
        let few = keys(10, 2);
        assert_eq!(
            read_parts(true, few.iter(), 2),
            vec![MirrorSelection::all()]
        );
        for (clients, spread, expected) in [(20, 2, 2), (100, 4, 4), (100, 8, 4), (1, 2, 1)] {
            let many = keys(clients, 40 / clients.min(40));
            let parts = read_parts(false, many.iter(), spread);
            assert_eq!(parts.len(), expected, "{clients} clients, spread {spread}");
            for key in &many {
                assert_eq!(parts.iter().filter(|p| p.contains(key)).count(), 1);
            }
        }
    }
}
