//! `GET /api/v1/stats/feeds`: who polls which feed (see `crate::poll_stats`).

use actix_web::{HttpRequest, HttpResponse};

use super::dto::{FeedStatsEntry, FeedStatsResponse};
use crate::db;
use crate::domain::{StatsQuery, sort_by_estimate};
use crate::error::AppError;
use crate::handlers::{State, connection};

/// The report's query parameters, for the OpenAPI document; `StatsQuery::parse` reads them.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct StatsParams {
    /// Days to cover, today (UTC) included: 1 to 366; default 7.
    days: Option<u16>,
    /// One feed only: its canonical path and query, e.g. `/levels/advanced/feed.atom`.
    feed: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/stats/feeds", tag = "stats",
    params(StatsParams),
    responses(
        (status = 200, description = "Every feed polled in the period, most estimated subscribers first. \
            Counts are written once a minute, so the last minute may be missing.", body = FeedStatsResponse),
        (status = 400, description = "A parameter is invalid or unknown"),
    ),
)]
pub async fn feed_stats(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let query = StatsQuery::parse(req.query_string()).map_err(AppError::Invalid)?;
    let since = chrono::Utc::now().date_naive() - chrono::Days::new(u64::from(query.days) - 1);
    let mut conn = connection(&state).await?;
    let mut stats = db::poll_stats::report(&mut conn, since, query.feed.as_deref()).await?;
    sort_by_estimate(&mut stats);
    let feeds = stats
        .into_iter()
        .map(|s| FeedStatsEntry::new(&state.site, s))
        .collect();
    Ok(HttpResponse::Ok().json(FeedStatsResponse {
        days: query.days,
        since,
        feeds,
    }))
}
