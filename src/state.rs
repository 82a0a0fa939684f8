use crate::config::FeedOptions;
use crate::db::DbPool;
use crate::domain::Site;

/// What every handler shares; registered once as `web::Data<AppState>`.
pub struct AppState {
    pub pool: DbPool,
    pub site: Site,
    pub feeds: FeedOptions,
}
