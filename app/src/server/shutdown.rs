//! The server's shutdown, as a signal that long-lived work can watch: a
//! live feed ends its stream when shutdown begins, so SIGTERM never waits on
//! a client that keeps a connection open.

use std::sync::LazyLock;

use tokio::sync::watch;

static BEGUN: LazyLock<watch::Sender<bool>> = LazyLock::new(|| watch::channel(false).0);

/// Says that shutdown has begun: every [`begun`] wait completes.
pub fn begin() {
    BEGUN.send_replace(true);
}

/// Completes once shutdown has begun (at once if it already has).
pub async fn begun() {
    let mut receiver = BEGUN.subscribe();
    // The sender is a static and never dropped, so this only ends on `true`.
    let _ = receiver.wait_for(|begun| *begun).await;
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn waits_end_when_shutdown_begins() {
        let waiting = tokio::spawn(super::begun());
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        super::begin();
        waiting.await.unwrap();
        // Later waits complete at once.
        super::begun().await;
    }
}
