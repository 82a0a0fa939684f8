//! What counting a poll adds to a feed request (`PollStats::record`): a feed and client
//! seen before (the common case), an aggregator's report, and a client new to the feed.
//! A cached feed takes about 60 µs end to end (docs/PERFORMANCE.md, 15.7k req/s).
//!
//! `cargo bench --bench poll_stats`

use std::net::{IpAddr, Ipv4Addr};

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use engfeed::poll_stats::{Poll, PollStats};

const BROWSER: &[u8] = b"Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
const FEEDLY: &[u8] = b"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers)";

fn benches(c: &mut Criterion) {
    // Counters count for real, as in the server.
    engfeed::telemetry::metrics();
    // Connections open lazily: recording never touches the database.
    let pool = engfeed::db::build_pool("postgres://bench@127.0.0.1:9/bench", 1).expect("pool");
    let stats = PollStats::new(pool, 90);
    let now = Utc::now();
    let poll = |client: IpAddr, user_agent: &'static [u8]| Poll {
        path: "/levels/advanced/feed.atom",
        query: "code=true",
        not_modified: true,
        bytes: 0,
        client: Some(client),
        user_agent,
    };
    let known = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    let mut group = c.benchmark_group("record a poll");
    group.bench_function("known client", |b| {
        b.iter(|| stats.record(&poll(known, BROWSER), now));
    });
    group.bench_function("aggregator report", |b| {
        b.iter(|| stats.record(&poll(known, FEEDLY), now));
    });
    let mut next: u32 = 0;
    group.bench_function("new client", |b| {
        b.iter(|| {
            next = next.wrapping_add(1);
            stats.record(&poll(IpAddr::V4(Ipv4Addr::from(next)), BROWSER), now);
        });
    });
    group.finish();
}

criterion_group!(poll_benches, benches);
criterion_main!(poll_benches);
