use crate::config::FeedOptions;
use crate::db::DbPool;
use crate::domain::{ChangedFacets, Site};
use crate::feeds::directory;
use crate::websub::Publisher;

/// What every handler shares; registered once as `web::Data<AppState>`.
pub struct AppState {
    pub pool: DbPool,
    pub site: Site,
    pub feeds: FeedOptions,
    /// Announces changed feeds to the WebSub hub, if there is one.
    pub publisher: Publisher,
}

impl AppState {
    /// Tells the WebSub hub (if any) which of the directory's feeds a write changed.
    pub fn announce(&self, changes: &ChangedFacets) {
        self.publisher
            .publish(directory::changed_feed_urls(&self.site, changes));
    }
}
