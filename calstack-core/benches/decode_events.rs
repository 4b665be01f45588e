//! Criterion benchmark: decoding one 2,500-event `calendar#events` page (Google's maximum page
//! size) into typed [`calstack_core::calendar::Events`] as a listing does (`Events::from_json`,
//! the direct reader) and through serde's `Deserialize`, against untyped `serde_json::Value`.

#![allow(missing_docs)]

mod support;

use std::hint::black_box;

use calstack_core::calendar::Events;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn decode(c: &mut Criterion) {
    let body = serde_json::to_vec(&support::page(0, 2500, Some("next"))).expect("serializes");
    let mut group = c.benchmark_group("decode_events_page");
    group.throughput(Throughput::Elements(2500));
    group.bench_function("typed_events_2500_as_listed", |b| {
        b.iter(|| {
            let page = Events::from_json(black_box(&body)).expect("decodes");
            black_box(page.items.len())
        })
    });
    group.bench_function("typed_events_2500", |b| {
        b.iter(|| {
            let page: Events = serde_json::from_slice(black_box(&body)).expect("decodes");
            black_box(page.items.len())
        })
    });
    // What every body would cost if decoded with serde path tracking (the client only re-decodes
    // that way after a plain decode failed, to name the bad field).
    group.bench_function("typed_events_2500_path_tracking", |b| {
        b.iter(|| {
            let mut de = serde_json::Deserializer::from_slice(black_box(&body));
            let page: Events = serde_path_to_error::deserialize(&mut de).expect("decodes");
            black_box(page.items.len())
        })
    });
    group.bench_function("serde_json_value_2500", |b| {
        b.iter(|| {
            let page: serde_json::Value =
                serde_json::from_slice(black_box(&body)).expect("decodes");
            black_box(page["items"].as_array().map(Vec::len))
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
