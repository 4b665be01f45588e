//! The CPU-bound steps of a large answer (expanding series, building agenda entries and
//! their conflict lists) split over the machine's cores. A list is cut into contiguous runs of about equal work, each
//! run is handled on its own scoped thread (the first on the calling thread), and the results
//! come back in the list's order: the answer is the one a single thread would give.
//!
//! Small answers stay on the calling thread; splitting them would cost more than it saves.

use std::num::NonZeroUsize;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread;

/// The work (events) a run should at least have: below twice this, nothing is split.
const LEAST_PER_RUN: usize = 2_048;

/// At most this many runs, whatever the machine has.
const MOST_RUNS: usize = 8;

/// The cores this process may use (read once: the lookup reads cgroup files).
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

/// How many runs `work` units of work are cut into on `cores` cores.
fn runs_for(work: usize, cores: usize) -> usize {
    (work / LEAST_PER_RUN).min(cores).clamp(1, MOST_RUNS)
}

/// Maps `items` run by run with `f` and returns the runs' results in order. Runs are
/// contiguous, of about equal total `weight`, and are cut only between two items for which
/// `may_cut(before, after)` holds (a cut that would fall elsewhere moves to the next place
/// that allows it). A panic in `f` on any run is raised again here; a run whose thread
/// cannot be started is done on the calling thread.
pub(crate) fn map_runs<T, R>(
    items: Vec<T>,
    weight: impl Fn(&T) -> usize,
    may_cut: impl Fn(&T, &T) -> bool,
    f: impl Fn(Vec<T>) -> R + Sync,
) -> Vec<R>
where
    T: Send,
    R: Send,
{
    let total: usize = items.iter().map(&weight).sum();
    let runs = runs_for(total, cores());
    if runs == 1 {
        return vec![f(items)];
    }
    let cuts = cuts(&items, total, runs, weight, may_cut);
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut rest = items;
    for &cut in cuts.iter().rev() {
        parts.push(rest.split_off(cut));
    }
    parts.push(rest);
    parts.reverse();
    let mut parts = parts.into_iter();
    let first = parts.next().unwrap_or_default();
    // The other runs, each taken by its thread; one whose thread cannot be started (the
    // process is out of threads) is taken back and done here.
    let others: Vec<Mutex<Option<Vec<T>>>> = parts.map(|part| Mutex::new(Some(part))).collect();
    let take = |slot: &Mutex<Option<Vec<T>>>| {
        slot.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_default()
    };
    let f = &f;
    thread::scope(|scope| {
        let started: Vec<_> = others
            .iter()
            .map(|slot| {
                let spawned = thread::Builder::new()
                    .name("calstack-stack".into())
                    .spawn_scoped(scope, move || f(take(slot)));
                (slot, spawned.ok())
            })
            .collect();
        let mut out = Vec::with_capacity(started.len() + 1);
        out.push(f(first));
        for (slot, handle) in started {
            match handle.map(thread::ScopedJoinHandle::join) {
                Some(Ok(result)) => out.push(result),
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => out.push(f(take(slot))),
            }
        }
        out
    })
}

/// The indexes where runs after the first begin, increasing, none at 0 or at the end.
fn cuts<T>(
    items: &[T],
    total: usize,
    runs: usize,
    weight: impl Fn(&T) -> usize,
    may_cut: impl Fn(&T, &T) -> bool,
) -> Vec<usize> {
    let mut cuts = Vec::with_capacity(runs - 1);
    let mut done = 0;
    for (i, item) in items.iter().enumerate() {
        let next_target = total * (cuts.len() + 1) / runs;
        if cuts.len() + 1 < runs && i > 0 && done >= next_target && may_cut(&items[i - 1], item) {
            cuts.push(i);
        }
        done += weight(item);
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_follow_the_work_and_the_cores() {
        assert_eq!(runs_for(0, 4), 1);
        assert_eq!(runs_for(LEAST_PER_RUN * 2 - 1, 4), 1);
        assert_eq!(runs_for(LEAST_PER_RUN * 2, 4), 2);
        assert_eq!(runs_for(LEAST_PER_RUN * 100, 2), 2);
        assert_eq!(runs_for(LEAST_PER_RUN * 100, 64), MOST_RUNS);
        assert_eq!(runs_for(LEAST_PER_RUN * 100, 1), 1);
    }

    #[test]
    fn cuts_balance_the_weight_and_only_fall_where_allowed() {
        // Items are (group, weight); a cut may only fall between two groups.
        let items: Vec<(u32, usize)> = (0..100).map(|i| (i / 10, 1)).collect();
        let cuts = cuts(&items, 100, 3, |x| x.1, |a, b| a.0 != b.0);
        assert_eq!(cuts, vec![40, 70]);
        // One group only: no cut is allowed anywhere.
        let one: Vec<(u32, usize)> = (0..100).map(|_| (7, 1)).collect();
        assert!(super::cuts(&one, 100, 4, |x| x.1, |a, b| a.0 != b.0).is_empty());
    }

    #[test]
    fn a_split_answer_equals_the_single_threaded_one() {
        let items: Vec<usize> = (0..LEAST_PER_RUN * 6).collect();
        let runs = map_runs(
            items.clone(),
            |_| 1,
            |_, _| true,
            |run: Vec<usize>| run.into_iter().map(|x| x * 3).collect::<Vec<_>>(),
        );
        let joined: Vec<usize> = runs.into_iter().flatten().collect();
        let single: Vec<usize> = items.into_iter().map(|x| x * 3).collect();
        assert_eq!(joined, single);
    }

    #[test]
    fn a_panic_on_another_thread_reaches_the_caller() {
        let items: Vec<usize> = (0..LEAST_PER_RUN * 8).collect();
        let last = items.len() - 1;
        let caught = std::panic::catch_unwind(|| {
            map_runs(
                items,
                |_| 1,
                |_, _| true,
                |run: Vec<usize>| {
                    assert!(!run.contains(&last), "the last run fails");
                    run.len()
                },
            )
        });
        // On a one-core machine the whole list is one run on this thread: it panics too.
        assert!(caught.is_err());
    }
}
