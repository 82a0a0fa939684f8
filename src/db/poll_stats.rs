//! Feed poll statistics: the flusher adds each minute's counts to the day's rows, and
//! reports read them back per feed.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::schema::{feed_poll_clients, feed_poll_stats, feed_poll_subscribers};
use super::{Connection, Result};
use crate::domain::{FeedPolls, FeedStats};

/// Adds one day's counts for these feeds, in one transaction: requests, 304s and bytes
/// are added; client hashes already known that day are skipped; each aggregator's report
/// replaces an earlier one.
pub async fn add(
    conn: &mut Connection,
    day: NaiveDate,
    feeds: &[(&str, &FeedPolls)],
) -> Result<()> {
    if feeds.is_empty() {
        return Ok(());
    }
    conn.transaction::<_, super::Error, _>(async |conn| {
        for (feed, polls) in feeds {
            add_feed(conn, day, feed, polls).await?;
        }
        Ok(())
    })
    .await
}

async fn add_feed(
    conn: &mut Connection,
    day: NaiveDate,
    feed: &str,
    polls: &FeedPolls,
) -> Result<()> {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    diesel::insert_into(feed_poll_stats::table)
        .values((
            feed_poll_stats::day.eq(day),
            feed_poll_stats::feed.eq(feed),
            feed_poll_stats::requests.eq(count(polls.requests)),
            feed_poll_stats::not_modified.eq(count(polls.not_modified)),
            feed_poll_stats::bytes_sent.eq(count(polls.bytes)),
        ))
        .on_conflict((feed_poll_stats::day, feed_poll_stats::feed))
        .do_update()
        .set((
            feed_poll_stats::requests
                .eq(feed_poll_stats::requests + excluded(feed_poll_stats::requests)),
            feed_poll_stats::not_modified
                .eq(feed_poll_stats::not_modified + excluded(feed_poll_stats::not_modified)),
            feed_poll_stats::bytes_sent
                .eq(feed_poll_stats::bytes_sent + excluded(feed_poll_stats::bytes_sent)),
        ))
        .execute(conn)
        .await?;
    let clients: Vec<_> = polls
        .clients
        .iter()
        .map(|(hash, direct)| {
            (
                feed_poll_clients::day.eq(day),
                feed_poll_clients::feed.eq(feed),
                feed_poll_clients::client_hash.eq(*hash),
                feed_poll_clients::direct.eq(*direct),
            )
        })
        .collect();
    // PostgreSQL takes at most 65,535 parameters per statement: 4 per client.
    for chunk in clients.chunks(10_000) {
        diesel::insert_into(feed_poll_clients::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    for (aggregator, (subscribers, at)) in &polls.reports {
        diesel::insert_into(feed_poll_subscribers::table)
            .values((
                feed_poll_subscribers::day.eq(day),
                feed_poll_subscribers::feed.eq(feed),
                feed_poll_subscribers::aggregator.eq(aggregator),
                feed_poll_subscribers::subscribers.eq(i64::from(*subscribers)),
                feed_poll_subscribers::reported_at.eq(at),
            ))
            .on_conflict((
                feed_poll_subscribers::day,
                feed_poll_subscribers::feed,
                feed_poll_subscribers::aggregator,
            ))
            .do_update()
            .set((
                feed_poll_subscribers::subscribers.eq(excluded(feed_poll_subscribers::subscribers)),
                feed_poll_subscribers::reported_at.eq(excluded(feed_poll_subscribers::reported_at)),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Deletes every row of days before `first_kept`; returns how many rows went.
pub async fn delete_before(conn: &mut Connection, first_kept: NaiveDate) -> Result<usize> {
    let stats = diesel::delete(feed_poll_stats::table.filter(feed_poll_stats::day.lt(first_kept)))
        .execute(conn)
        .await?;
    let clients =
        diesel::delete(feed_poll_clients::table.filter(feed_poll_clients::day.lt(first_kept)))
            .execute(conn)
            .await?;
    let reports = diesel::delete(
        feed_poll_subscribers::table.filter(feed_poll_subscribers::day.lt(first_kept)),
    )
    .execute(conn)
    .await?;
    Ok(stats + clients + reports)
}

#[derive(QueryableByName)]
struct TotalsRow {
    #[diesel(sql_type = Text)]
    feed: String,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    not_modified: i64,
    #[diesel(sql_type = BigInt)]
    bytes_sent: i64,
    #[diesel(sql_type = BigInt)]
    distinct_clients: i64,
    #[diesel(sql_type = BigInt)]
    direct_clients: i64,
}

#[derive(QueryableByName)]
struct ReportRow {
    #[diesel(sql_type = Text)]
    feed: String,
    #[diesel(sql_type = Text)]
    aggregator: String,
    #[diesel(sql_type = BigInt)]
    subscribers: i64,
}

/// Each feed polled on `since` or later (one feed when `feed` is given), unsorted.
/// Clients are counted per day (their hashes change daily) and the busiest day is taken;
/// each aggregator's latest report counts.
pub async fn report(
    conn: &mut Connection,
    since: NaiveDate,
    feed: Option<&str>,
) -> Result<Vec<FeedStats>> {
    let totals: Vec<TotalsRow> = diesel::sql_query(
        "WITH totals AS (
             SELECT feed, sum(requests)::bigint AS requests,
                    sum(not_modified)::bigint AS not_modified,
                    sum(bytes_sent)::bigint AS bytes_sent
             FROM feed_poll_stats
             WHERE day >= $1 AND ($2::text IS NULL OR feed = $2)
             GROUP BY feed
         ), daily AS (
             SELECT feed, day, count(*) AS clients, count(*) FILTER (WHERE direct) AS direct
             FROM feed_poll_clients
             WHERE day >= $1 AND ($2::text IS NULL OR feed = $2)
             GROUP BY feed, day
         ), clients AS (
             SELECT feed, max(clients) AS clients, max(direct) AS direct
             FROM daily GROUP BY feed
         )
         SELECT t.feed, t.requests, t.not_modified, t.bytes_sent,
                coalesce(c.clients, 0)::bigint AS distinct_clients,
                coalesce(c.direct, 0)::bigint AS direct_clients
         FROM totals t LEFT JOIN clients c USING (feed)",
    )
    .bind::<Date, _>(since)
    .bind::<Nullable<Text>, _>(feed)
    .load(conn)
    .await?;
    let reports: Vec<ReportRow> = diesel::sql_query(
        "SELECT DISTINCT ON (feed, aggregator) feed, aggregator, subscribers
         FROM feed_poll_subscribers
         WHERE day >= $1 AND ($2::text IS NULL OR feed = $2)
         ORDER BY feed, aggregator, reported_at DESC",
    )
    .bind::<Date, _>(since)
    .bind::<Nullable<Text>, _>(feed)
    .load(conn)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(totals
        .into_iter()
        .map(|row| FeedStats {
            reported: reports
                .iter()
                .filter(|r| r.feed == row.feed)
                .map(|r| (r.aggregator.clone(), count(r.subscribers)))
                .collect(),
            feed: row.feed,
            requests: count(row.requests),
            not_modified: count(row.not_modified),
            bytes: count(row.bytes_sent),
            distinct_clients: count(row.distinct_clients),
            direct_clients: count(row.direct_clients),
        })
        .collect())
}
