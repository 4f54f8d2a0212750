//! The server's search indexer: indexes the lines of large transcript
//! imports right after they are committed (small ones are indexed in their
//! own transaction), and at start whatever an earlier run or the command
//! line left unindexed.

use std::time::Duration;

use crate::db::Db;

/// How often the indexer looks for unindexed transcripts.
const POLL: Duration = Duration::from_secs(2);

pub fn spawn(db: Db) {
    tokio::spawn(async move {
        // Until the server closes the database on its way out.
        while !db.is_closed() {
            match db.index_pending_transcripts().await {
                Ok(0) => {}
                Ok(lines) => tracing::info!("search: indexed {lines} transcript lines"),
                Err(_) if db.is_closed() => break,
                Err(e) => tracing::warn!("search indexing failed, trying again shortly: {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    });
}
