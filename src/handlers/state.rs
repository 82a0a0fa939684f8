use std::sync::Arc;

use crate::config::FeedOptions;
use crate::db::{self, DbPool};
use crate::domain::{ChangedFacets, Site};
use crate::feed_cache::FeedCache;
use crate::feed_documents::FeedDocuments;
use crate::feeds::directory;
use crate::handlers::failed_logins::FailedLogins;
use crate::poll_stats::PollStats;
use crate::websub::Publisher;

/// What every handler shares; registered once as `web::Data<AppState>`.
pub struct AppState {
    pub pool: DbPool,
    pub cache: Arc<FeedCache>,
    /// Feed pages, loaded (from the replica when there is one), rendered and cached.
    pub documents: Arc<FeedDocuments>,
    pub site: Site,
    pub feeds: FeedOptions,
    /// Announces changed feeds to the WebSub hub, if there is one.
    pub publisher: Publisher,
    /// Slows down clients that keep presenting bad tokens.
    pub failed_logins: FailedLogins,
    /// Feed polls counted since the last flush.
    pub polls: Arc<PollStats>,
}

impl AppState {
    /// A write through this instance committed on `conn` (a connection to the primary):
    /// this instance's reader learns the clock it committed at once (the NOTIFY may come
    /// after the writer's next read), the feeds that may show the change are rendered anew
    /// from now on (other instances hear of it by NOTIFY, and so does this one, a little
    /// later), and the WebSub hub, if any, is told which of the directory's feeds changed.
    pub async fn catalogue_changed(&self, conn: &mut db::Connection, changes: &ChangedFacets) {
        self.documents.wrote(conn).await;
        self.cache.articles_changed(changes);
        self.publisher
            .publish(directory::changed_documents(&self.site, changes));
    }
}
