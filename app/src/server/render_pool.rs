//! Markdown renders that happen while a request waits (the live preview, the
//! post-mortem page, the HTML downloads): off the async workers, where a long
//! render would stall every other request (`/healthz` included), at most one
//! per core at a time, and within a time budget.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a request waits for its render, time in the queue included.
/// Rendering is linear in the text (see `domain::markdown`), so the longest
/// document takes well under a second; this only bites when many arrive at
/// once.
pub const RENDER_BUDGET: Duration = Duration::from_secs(10);

/// One render per core at a time: more would only share the same cores.
static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(cores))
});

/// Why a render gave no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderRefused {
    /// Not done within the budget (waiting for a turn included).
    TooSlow,
    /// The render failed (a bug); the detail is in the server log.
    Failed,
}

impl RenderRefused {
    /// The refusal as a person is told it, `what` naming the document: busy
    /// (503, try again in a few seconds), or a failure logged with a
    /// reference (500).
    pub fn into_error(self, what: &str) -> crate::error::AppError {
        match self {
            RenderRefused::TooSlow => crate::error::AppError::Busy {
                message: self.message(what),
                retry_after: 5,
            },
            RenderRefused::Failed => crate::error::AppError::internal(self.message(what)),
        }
    }

    /// What to tell the person, `what` naming the document ("preview").
    pub fn message(self, what: &str) -> String {
        match self {
            RenderRefused::TooSlow => format!(
                "The {what} could not be rendered within {} seconds: the server is busy or the text is very large. Try again in a moment, or shorten the text.",
                RENDER_BUDGET.as_secs()
            ),
            RenderRefused::Failed => {
                format!("The {what} could not be rendered; the server log has the detail.")
            }
        }
    }
}

/// Runs `work` (a render) on the blocking pool when a permit is free, and
/// gives up waiting after [`RENDER_BUDGET`].
pub async fn render<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RenderRefused> {
    run_within(&PERMITS, RENDER_BUDGET, work).await
}

async fn run_within<T: Send + 'static>(
    permits: &Arc<Semaphore>,
    budget: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RenderRefused> {
    let permits = Arc::clone(permits);
    let job = async move {
        let permit = permits
            .acquire_owned()
            .await
            .map_err(|_| RenderRefused::Failed)?;
        tokio::task::spawn_blocking(move || {
            // Held until the work ends, even when the request stopped waiting
            // (work on the blocking pool cannot be stopped): the permits then
            // still bound how many renders use the cores.
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| {
            tracing::error!("render: {e}");
            RenderRefused::Failed
        })
    };
    tokio::time::timeout(budget, job)
        .await
        .map_err(|_| RenderRefused::TooSlow)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    const SHORT: Duration = Duration::from_millis(50);

    #[tokio::test]
    async fn a_render_runs_off_the_async_workers_and_returns_its_result() {
        let html = render(|| crate::domain::markdown::render_markdown("*hi*"))
            .await
            .unwrap();
        assert_eq!(html, "<p><em>hi</em></p>\n");
        // Not on the thread that awaits it: a long render there would stall
        // the other requests that thread serves.
        let caller = std::thread::current().id();
        let renderer = render(|| std::thread::current().id()).await.unwrap();
        assert_ne!(caller, renderer);
    }

    #[tokio::test]
    async fn a_render_past_the_budget_is_refused_with_a_sentence() {
        let (release, wait) = mpsc::channel::<()>();
        let permits = Arc::new(Semaphore::new(1));
        let refused = run_within(&permits, SHORT, move || wait.recv().ok())
            .await
            .unwrap_err();
        assert_eq!(refused, RenderRefused::TooSlow);
        let message = refused.message("preview");
        assert!(
            message.starts_with("The preview could not be rendered"),
            "{message}"
        );
        assert!(message.contains("shorten"), "{message}");
        release.send(()).unwrap();
    }

    #[tokio::test]
    async fn an_abandoned_render_keeps_its_permit_until_it_ends() {
        let permits = Arc::new(Semaphore::new(1));
        let (release, wait) = mpsc::channel::<()>();
        let (ended, on_end) = mpsc::channel::<()>();
        // The first caller gives up; its render goes on, holding the permit.
        let first = run_within(&permits, SHORT, move || {
            wait.recv().ok();
            ended.send(()).ok();
        })
        .await;
        assert_eq!(first, Err(RenderRefused::TooSlow));
        // So the next one waits for a turn and is refused, never run.
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let second = run_within(&permits, SHORT, move || {
            flag.store(true, std::sync::atomic::Ordering::SeqCst)
        })
        .await;
        assert_eq!(second, Err(RenderRefused::TooSlow));
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
        // Once the first render ends, the permit is free again.
        release.send(()).unwrap();
        tokio::task::spawn_blocking(move || on_end.recv())
            .await
            .unwrap()
            .unwrap();
        let third = run_within(&permits, Duration::from_secs(30), || 7).await;
        assert_eq!(third, Ok(7));
    }
}
