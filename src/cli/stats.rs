//! `engfeed stats`: the feed poll statistics of `GET /api/v1/stats/feeds`, as a table.

use std::io::Write;

use clap::Args;

use super::{DatabaseArgs, check_reachable};
use crate::db;
use crate::domain::{FeedStats, MAX_STATS_DAYS, StatsQuery, sort_by_estimate};

#[derive(Debug, Args)]
pub(super) struct StatsArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Days to cover, today (UTC) included.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_STATS_DAYS)))]
    days: u16,
    /// One feed only: its canonical path and query, e.g. /levels/advanced/feed.atom.
    #[arg(long)]
    feed: Option<String>,
}

pub(super) async fn run(args: &StatsArgs) -> anyhow::Result<()> {
    // The API's rules for `feed`, so both refuse the same input.
    let query = match &args.feed {
        Some(feed) => {
            let encoded: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("feed", feed)
                .finish();
            StatsQuery::parse(&encoded).map_err(|errors| {
                anyhow::anyhow!(
                    "--feed {}",
                    errors.first().map_or("is invalid", |e| e.message.as_str())
                )
            })?
        }
        None => StatsQuery {
            days: args.days,
            feed: None,
        },
    };
    check_reachable(&args.database.database_url).await?;
    let mut conn = db::connect(args.database.database_url.expose()).await?;
    let since = chrono::Utc::now().date_naive() - chrono::Days::new(u64::from(args.days) - 1);
    let mut stats = db::poll_stats::report(&mut conn, since, query.feed.as_deref()).await?;
    sort_by_estimate(&mut stats);
    let mut out = std::io::stdout().lock();
    match write_table(&mut out, &stats) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    if stats.is_empty() {
        eprintln!(
            "no feed polls recorded since {since} (a running server writes them once a minute)"
        );
    }
    Ok(())
}

const HEADER: [&str; 8] = [
    "FEED",
    "REQUESTS",
    "304",
    "BYTES",
    "CLIENTS",
    "DIRECT",
    "ESTIMATE",
    "REPORTED BY AGGREGATORS",
];

fn write_table(out: &mut impl Write, stats: &[FeedStats]) -> std::io::Result<()> {
    let rows: Vec<[String; 8]> = stats
        .iter()
        .map(|s| {
            let reported = s
                .reported
                .iter()
                .map(|(aggregator, n)| format!("{aggregator} {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            [
                s.feed.clone(),
                s.requests.to_string(),
                format!("{:.0}%", s.not_modified_share() * 100.0),
                s.bytes.to_string(),
                s.distinct_clients.to_string(),
                s.direct_clients.to_string(),
                s.estimated_subscribers().to_string(),
                if reported.is_empty() {
                    "-".to_owned()
                } else {
                    reported
                },
            ]
        })
        .collect();
    let mut widths = HEADER.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = HEADER.map(str::to_owned);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            match i {
                // The feed left-aligned, the numbers right-aligned, the last column as is.
                0 => line.push_str(&format!("{cell:<width$}  ")),
                7 => line.push_str(cell),
                _ => line.push_str(&format!("{cell:>width$}  ")),
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_with_aligned_columns() {
        let stats = [FeedStats {
            feed: "/levels/advanced/feed.atom".to_owned(),
            requests: 8,
            not_modified: 2,
            bytes: 1000,
            distinct_clients: 4,
            direct_clients: 2,
            reported: vec![("Feedly".to_owned(), 125), ("Inoreader".to_owned(), 4)],
        }];
        let mut out = Vec::new();
        write_table(&mut out, &stats).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("FEED                        REQUESTS  304"));
        assert!(
            lines[1].starts_with("/levels/advanced/feed.atom         8  25%"),
            "{text}"
        );
        assert!(lines[1].ends_with("131  Feedly 125, Inoreader 4"), "{text}");
    }
}
