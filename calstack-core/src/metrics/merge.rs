//! One Prometheus page from several processes' pages: the same series summed.
//!
//! Each process (a gunicorn worker, a Celery worker, a CLI sync daemon) counts its own calls;
//! a scrape of one of them sees only its share. [`merge_text`] adds up pages in the text format
//! (version 0.0.4, as [`super::prometheus`] renders them): a sample of the same name and labels
//! in several pages is summed (counters, histogram buckets, sums and counts, and the one gauge,
//! the retry budget each process has left), every other sample is kept as it is, and each
//! family's `# HELP` and `# TYPE` lines are written once, before its samples, in the order the
//! families first appear.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// One metric family: its comment lines and its samples in first-seen order.
#[derive(Default)]
struct Family {
    help: Option<String>,
    kind: Option<String>,
    samples: Vec<(String, f64)>,
    index: HashMap<String, usize>,
}

impl Family {
    fn add(&mut self, series: &str, value: f64) {
        match self.index.get(series) {
            Some(&at) => self.samples[at].1 += value,
            None => {
                self.index.insert(series.to_owned(), self.samples.len());
                self.samples.push((series.to_owned(), value));
            }
        }
    }
}

/// The sum of `pages`, each a whole page in the Prometheus text format (see the module docs).
///
/// A line that is neither a comment nor `series value` fails with [`Error::Validation`] on
/// `pages`, naming the page (from 0) and line (from 1); nothing of the line is quoted.
///
/// ```
/// let merged = calstack_core::metrics::merge_text([
///     "# TYPE calls_total counter\ncalls_total{op=\"list\"} 2\n",
///     "# TYPE calls_total counter\ncalls_total{op=\"list\"} 3\ncalls_total{op=\"get\"} 1\n",
/// ])?;
/// assert_eq!(
///     merged,
///     "# TYPE calls_total counter\ncalls_total{op=\"list\"} 5\ncalls_total{op=\"get\"} 1\n"
/// );
/// # Ok::<(), calstack_core::Error>(())
/// ```
pub fn merge_text<'a>(pages: impl IntoIterator<Item = &'a str>) -> Result<String> {
    let mut order: Vec<String> = Vec::new();
    let mut families: HashMap<String, Family> = HashMap::new();
    for (page_no, page) in pages.into_iter().enumerate() {
        // The family a sample line belongs to: the one its page last described, when the
        // sample's name starts with it (`x_bucket`, `x_sum` and `x_count` belong to `x`).
        let mut current: Option<String> = None;
        for (line_no, line) in page.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let bad = |why: &str| {
                Error::validation(
                    "pages",
                    format!("page {page_no}, line {}: {why}", line_no + 1),
                )
            };
            if let Some(comment) = line.strip_prefix('#') {
                let mut words = comment.trim_start().splitn(3, ' ');
                let (Some(tag @ ("HELP" | "TYPE")), Some(name)) = (words.next(), words.next())
                else {
                    continue; // other comments carry nothing to merge
                };
                let family = family_of(&mut order, &mut families, name);
                let text = words.next().unwrap_or("").to_owned();
                let slot = if tag == "HELP" {
                    &mut family.help
                } else {
                    &mut family.kind
                };
                slot.get_or_insert(text);
                current = Some(name.to_owned());
                continue;
            }
            let (series, value) = line
                .rsplit_once(' ')
                .ok_or_else(|| bad("a sample needs a series and a value"))?;
            let value = parse_value(value).ok_or_else(|| bad("the value is not a number"))?;
            let series = series.trim_end();
            let name = series.split('{').next().unwrap_or(series);
            if name.is_empty() || series.contains('{') && !series.ends_with('}') {
                return Err(bad("the series is not `name` or `name{labels}`"));
            }
            let owner = match &current {
                Some(family) if name.starts_with(family.as_str()) => family.clone(),
                _ => name.to_owned(),
            };
            family_of(&mut order, &mut families, &owner).add(series, value);
        }
    }
    let mut out = String::new();
    for name in &order {
        let Some(family) = families.get(name) else {
            continue;
        };
        if let Some(help) = &family.help {
            out.push_str(&format!("# HELP {name} {help}\n"));
        }
        if let Some(kind) = &family.kind {
            out.push_str(&format!("# TYPE {name} {kind}\n"));
        }
        for (series, value) in &family.samples {
            out.push_str(&format!("{series} {}\n", format_value(*value)));
        }
    }
    Ok(out)
}

fn family_of<'f>(
    order: &mut Vec<String>,
    families: &'f mut HashMap<String, Family>,
    name: &str,
) -> &'f mut Family {
    if !families.contains_key(name) {
        order.push(name.to_owned());
    }
    families.entry(name.to_owned()).or_default()
}

/// A sample value: a float, or Prometheus's `+Inf`, `-Inf` and `NaN`.
fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse().ok().filter(|v: &f64| v.is_finite()),
    }
}

/// Whole numbers without a fraction (counters stay integers), others as Rust's shortest
/// round-trip form.
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKER_A: &str = "\
# HELP calstack_requests_total Calls answered.
# TYPE calstack_requests_total counter
calstack_requests_total{operation=\"events.list\",outcome=\"ok\"} 3
calstack_requests_total{operation=\"events.insert\",outcome=\"ok\"} 1

# TYPE calstack_request_duration_seconds histogram
calstack_request_duration_seconds_bucket{operation=\"events.list\",le=\"0.1\"} 2
calstack_request_duration_seconds_bucket{operation=\"events.list\",le=\"+Inf\"} 3
calstack_request_duration_seconds_sum{operation=\"events.list\"} 0.25
calstack_request_duration_seconds_count{operation=\"events.list\"} 3

# TYPE calstack_retry_budget_available gauge
calstack_retry_budget_available 10
";

    const WORKER_B: &str = "\
# HELP calstack_requests_total Calls answered.
# TYPE calstack_requests_total counter
calstack_requests_total{operation=\"events.list\",outcome=\"ok\"} 4
calstack_requests_total{operation=\"events.list\",outcome=\"error\"} 2

# TYPE calstack_request_duration_seconds histogram
calstack_request_duration_seconds_bucket{operation=\"events.list\",le=\"0.1\"} 5
calstack_request_duration_seconds_bucket{operation=\"events.list\",le=\"+Inf\"} 6
calstack_request_duration_seconds_sum{operation=\"events.list\"} 1.5
calstack_request_duration_seconds_count{operation=\"events.list\"} 6

# TYPE calstack_retry_budget_available gauge
calstack_retry_budget_available 7
";

    fn value(page: &str, series: &str) -> Option<f64> {
        page.lines()
            .filter_map(|l| l.rsplit_once(' '))
            .find(|(s, _)| *s == series)
            .and_then(|(_, v)| parse_value(v))
    }

    #[test]
    fn the_same_series_in_several_pages_is_summed_and_the_others_kept() {
        let merged = merge_text([WORKER_A, WORKER_B]).expect("merges");
        let of = |series: &str| value(&merged, series);
        assert_eq!(
            of("calstack_requests_total{operation=\"events.list\",outcome=\"ok\"}"),
            Some(7.0)
        );
        assert_eq!(
            of("calstack_requests_total{operation=\"events.insert\",outcome=\"ok\"}"),
            Some(1.0)
        );
        assert_eq!(
            of("calstack_requests_total{operation=\"events.list\",outcome=\"error\"}"),
            Some(2.0)
        );
        assert_eq!(
            of("calstack_request_duration_seconds_bucket{operation=\"events.list\",le=\"+Inf\"}"),
            Some(9.0)
        );
        assert_eq!(
            of("calstack_request_duration_seconds_sum{operation=\"events.list\"}"),
            Some(1.75)
        );
        assert_eq!(of("calstack_retry_budget_available"), Some(17.0));
    }

    #[test]
    fn each_family_is_described_once_before_its_samples() {
        let merged = merge_text([WORKER_A, WORKER_B, WORKER_A]).expect("merges");
        assert_eq!(merged.matches("# TYPE calstack_requests_total").count(), 1);
        assert_eq!(merged.matches("# HELP calstack_requests_total").count(), 1);
        let described = merged
            .find("# TYPE calstack_request_duration_seconds histogram")
            .expect("described");
        let first_sample = merged
            .find("calstack_request_duration_seconds_bucket")
            .expect("a sample");
        assert!(described < first_sample);
        // Merging a merged page with nothing changes nothing: the output is a valid page.
        assert_eq!(merge_text([merged.as_str()]).expect("merges"), merged);
    }

    #[test]
    fn one_page_keeps_its_values_and_no_page_is_an_empty_page() {
        let merged = merge_text([WORKER_A]).expect("merges");
        for line in WORKER_A.lines().filter(|l| !l.is_empty()) {
            assert!(merged.contains(line), "{line} kept");
        }
        assert_eq!(merge_text([]).expect("merges"), "");
    }

    #[test]
    fn a_malformed_line_is_refused_naming_page_and_line_not_its_text() {
        for bad in [
            "calstack_requests_total\n",
            "calstack_requests_total{operation=\"x\" 3\n",
            "calstack_requests_total{operation=\"secret-ish\"} three\n",
        ] {
            let Err(Error::Validation { field, reason }) = merge_text([WORKER_A, bad]) else {
                panic!("{bad:?} is refused");
            };
            assert_eq!(field, "pages");
            assert!(reason.starts_with("page 1, line 1:"), "{reason}");
            assert!(!reason.contains("secret-ish"), "{reason}");
        }
    }

    /// Two "processes" (two recorders) rendered by the real exporter add up.
    #[cfg(feature = "prometheus")]
    #[test]
    fn pages_rendered_by_the_exporter_add_up() {
        let page = |calls: u32| {
            let recorder = super::super::prometheus::recorder();
            let handle = recorder.handle();
            metrics::with_local_recorder(&recorder, || {
                for _ in 0..calls {
                    super::super::finished(
                        "events.list",
                        true,
                        std::time::Duration::from_millis(30),
                        None,
                    );
                }
                super::super::budget_available(5);
            });
            handle.render()
        };
        let (a, b) = (page(2), page(3));
        let merged = merge_text([a.as_str(), b.as_str()]).expect("merges");
        let count = |page: &str| {
            value(
                page,
                "calstack_requests_total{operation=\"events.list\",outcome=\"ok\"}",
            )
        };
        assert_eq!((count(&a), count(&b)), (Some(2.0), Some(3.0)));
        assert_eq!(count(&merged), Some(5.0));
        let bucket = "calstack_request_duration_seconds_bucket{operation=\"events.list\",outcome=\"ok\",le=\"0.05\"}";
        assert_eq!(value(&merged, bucket), Some(5.0), "{merged}");
        assert_eq!(
            merged
                .matches("# TYPE calstack_requests_total counter")
                .count(),
            1
        );
    }

    #[test]
    fn special_values_and_fractions_are_written_as_prometheus_reads_them() {
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(parse_value("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_value("1e3"), Some(1000.0));
        assert_eq!(parse_value("inf"), None);
    }
}
