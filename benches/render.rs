//! What a cache miss costs besides the query: rendering the seed's 50 articles in each
//! format, and compressing the result in each content coding (done once per rendering).
//!
//! `cargo bench --bench render`

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use engfeed::domain::{Article, ArticleQuery, AuthorRef, FeedScope, PublicUrl, Site, Tombstone};
use engfeed::feed_cache::{Encoding, RenderedFeed};
use engfeed::feeds::{FeedContent, FeedContext, FeedFormat, render};
use engfeed::import::Catalogue;
use uuid::Uuid;

fn seed_articles() -> Vec<Article> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/seed/stripe-articles.json");
    let catalogue = Catalogue::from_json(&std::fs::read(path).expect("seed")).expect("catalogue");
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().expect("date");
    catalogue
        .articles
        .iter()
        .enumerate()
        .map(|(place, a)| Article {
            public_id: Uuid::from_u128(place as u128 + 1),
            title: a.title.as_ref().to_owned(),
            summary: a.summary.as_ref().to_owned(),
            content_html: None,
            url: None,
            author: a.author.as_ref().map(|name| AuthorRef {
                name: name.as_ref().to_owned(),
                slug: name.base_slug(),
            }),
            level: a.level,
            read_minutes: a.read_minutes.map(|m| m.get()),
            includes_code: a.includes_code,
            has_summary: a.has_summary,
            source: a.source.as_ref().to_owned(),
            published_at: now - TimeDelta::microseconds(place as i64),
            updated_at: now - TimeDelta::microseconds(place as i64),
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let articles = seed_articles();
    assert_eq!(articles.len(), 50);
    let site = Site {
        public_url: "https://feeds.example.org"
            .parse::<PublicUrl>()
            .expect("URL"),
        site_id: Uuid::from_u128(7),
        created_at: DateTime::UNIX_EPOCH,
        websub_hub: None,
        feed_max_age: 300,
    };
    let query = ArticleQuery::default();
    let context = FeedContext {
        site: &site,
        scope: &FeedScope::All,
        query: &query,
        next: None,
    };
    let deleted = [Tombstone {
        public_id: Uuid::from_u128(99),
        deleted_at: DateTime::UNIX_EPOCH,
    }];
    let content = FeedContent {
        articles: &articles,
        deleted: &deleted,
    };
    let mut group = c.benchmark_group("render 50 items");
    for format in FeedFormat::ALL {
        group.bench_function(format.extension(), |b| {
            b.iter(|| render(format, &context, &content).expect("render"))
        });
    }
    group.finish();

    let atom = render(FeedFormat::Atom, &context, &content).expect("render");
    println!("the 50-item Atom feed is {} bytes", atom.len());
    let mut group = c.benchmark_group("compress the Atom feed");
    for encoding in [Encoding::Gzip, Encoding::Brotli, Encoding::Zstd] {
        group.bench_function(format!("{encoding:?}"), |b| {
            b.iter(|| {
                RenderedFeed::new(atom.clone(), DateTime::UNIX_EPOCH)
                    .body(encoding)
                    .expect("compress")
            })
        });
    }
    group.finish();
}

criterion_group!(render_benches, benches);
criterion_main!(render_benches);
