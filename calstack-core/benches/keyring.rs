//! Criterion benchmark: sealing and opening 1,000 event bodies of about 1 KB (the size a
//! mirrored meeting with a description and two attendees has), as a sync page seals them and a
//! cold mirror read opens them. `Keyring::open_with` is the mirror's path (a buffer the thread
//! reuses); `Keyring::open` returns an owned, zeroizing copy.

#![allow(missing_docs)]

use std::hint::black_box;

use calstack_core::crypto::{EncryptionKey, Keyring};
use calstack_core::store::Sealed;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const BODIES: usize = 1_000;

fn body(n: usize) -> String {
    format!(
        r#"{{"kind":"calendar#event","etag":"\"{n}\"","id":"evt{n:08}","status":"confirmed","summary":"Meeting {n}","description":"Agenda: review the open items, decide on the next steps, and agree who follows up with whom before the end of the week.","location":"Room 4.12, Main Building","creator":{{"email":"c{n}@stack.bench","self":true}},"organizer":{{"email":"c{n}@stack.bench","self":true}},"start":{{"dateTime":"2031-03-03T09:00:00Z"}},"end":{{"dateTime":"2031-03-03T09:45:00Z"}},"iCalUID":"evt{n:08}@calstack.test","sequence":0,"attendees":[{{"email":"c{n}@stack.bench","self":true,"responseStatus":"accepted"}},{{"email":"guest@example.test","responseStatus":"needsAction"}}],"reminders":{{"useDefault":true}},"eventType":"default"}}"#
    )
}

fn keyring(c: &mut Criterion) {
    let keyring = Keyring::new(EncryptionKey::from_bytes([7; 32]));
    let bodies: Vec<String> = (0..BODIES).map(body).collect();
    let aad: Vec<String> = (0..BODIES)
        .map(|n| format!("mirror_events:c:{n}"))
        .collect();
    let sealed: Vec<Sealed> = bodies
        .iter()
        .zip(&aad)
        .map(|(body, aad)| keyring.seal(body, aad).expect("seals"))
        .collect();
    let mut group = c.benchmark_group("keyring_1000_bodies");
    group.throughput(Throughput::Bytes(
        bodies.iter().map(String::len).sum::<usize>() as u64,
    ));
    group.bench_function("seal", |b| {
        b.iter(|| {
            for (body, aad) in bodies.iter().zip(&aad) {
                black_box(keyring.seal(black_box(body), aad).expect("seals"));
            }
        })
    });
    group.bench_function("open_with", |b| {
        b.iter(|| {
            for (sealed, aad) in sealed.iter().zip(&aad) {
                black_box(keyring.open_with(sealed, aad, str::len).expect("opens"));
            }
        })
    });
    group.bench_function("open", |b| {
        b.iter(|| {
            for (sealed, aad) in sealed.iter().zip(&aad) {
                black_box(keyring.open(sealed, aad).expect("opens"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, keyring);
criterion_main!(benches);
