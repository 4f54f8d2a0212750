//! Sessions: what Debrief keeps in one (the account and the epoch it was made
//! under), and signing in and out. The store is tower-sessions' SQL store in
//! Debrief's own database, so sessions survive restarts, and on PostgreSQL a
//! session made through one instance is valid on every other.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::domain::account::User;

/// The session key under which the signed-in account is kept.
const AUTH_KEY: &str = "auth";

/// How often (seconds) an active session's expiry is pushed back. Sessions
/// expire after a period of inactivity; renewing on every request would cost
/// a database write per request for no benefit.
const RENEW_EVERY: i64 = 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: String,
    /// The account's session epoch when signing in; a password change or
    /// disabling bumps the account's epoch and so ends this session.
    pub epoch: i64,
    /// When the session's expiry was last renewed (epoch seconds).
    pub renewed: i64,
}

/// The signed-in person, placed in the request's extensions by the guard.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

pub async fn read(session: &Session) -> Option<SessionAuth> {
    session.get::<SessionAuth>(AUTH_KEY).await.ok().flatten()
}

/// Signs in: a new session id (so an id planted before sign-in is useless),
/// then the account.
pub async fn sign_in(session: &Session, user_id: &str, epoch: i64) -> Result<(), String> {
    session.cycle_id().await.map_err(|e| e.to_string())?;
    store(session, user_id, epoch).await
}

/// Keeps this session signed in under a new epoch (after its own password change).
pub async fn store(session: &Session, user_id: &str, epoch: i64) -> Result<(), String> {
    let auth = SessionAuth {
        user_id: user_id.to_string(),
        epoch,
        renewed: chrono::Utc::now().timestamp(),
    };
    session
        .insert(AUTH_KEY, auth)
        .await
        .map_err(|e| e.to_string())
}

/// Pushes the expiry back if it was last renewed over a minute ago.
pub async fn renew_if_due(session: &Session, auth: &SessionAuth) {
    let now = chrono::Utc::now().timestamp();
    if now - auth.renewed >= RENEW_EVERY {
        let renewed = SessionAuth {
            renewed: now,
            ..auth.clone()
        };
        let _ = session.insert(AUTH_KEY, renewed).await;
    }
}

/// Ends the session: its row is deleted and the cookie removed.
pub async fn sign_out(session: &Session) {
    let _ = session.flush().await;
}

/// The session layer type the router installs.
pub type SessionLayer = tower_sessions::SessionManagerLayer<Store>;

/// The session store of the database in use.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(tower_sessions_sqlx_store::SqliteStore),
    Postgres(tower_sessions_sqlx_store::PostgresStore),
}

#[async_trait::async_trait]
impl tower_sessions::SessionStore for Store {
    async fn create(
        &self,
        record: &mut tower_sessions::session::Record,
    ) -> tower_sessions::session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.create(record).await,
            Store::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(
        &self,
        record: &tower_sessions::session::Record,
    ) -> tower_sessions::session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.save(record).await,
            Store::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(
        &self,
        id: &tower_sessions::session::Id,
    ) -> tower_sessions::session_store::Result<Option<tower_sessions::session::Record>> {
        match self {
            Store::Sqlite(s) => s.load(id).await,
            Store::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(
        &self,
        id: &tower_sessions::session::Id,
    ) -> tower_sessions::session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.delete(id).await,
            Store::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait::async_trait]
impl tower_sessions::ExpiredDeletion for Store {
    async fn delete_expired(&self) -> tower_sessions::session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.delete_expired().await,
            Store::Postgres(s) => s.delete_expired().await,
        }
    }
}

impl Store {
    async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            Store::Sqlite(s) => s.migrate().await,
            // Made by Debrief's own PostgreSQL migration, under its lock, so
            // instances do not race and the role needs no CREATE right.
            Store::Postgres(_) => Ok(()),
        }
    }
}

/// The session store and its housekeeping: expired sessions are deleted hourly.
pub struct Sessions {
    layer: SessionLayer,
    cleanup: tokio::task::JoinHandle<()>,
}

/// The session cookie's name.
pub const COOKIE: &str = "debrief_session";

impl Sessions {
    /// Opens the store in the app's database. Sessions end after
    /// `idle_minutes` without a request. The cookie is HttpOnly, SameSite=Lax
    /// (so links from chat into Debrief keep the session, while cross-site
    /// posts carry none) and Secure unless `secure` is false.
    pub async fn open(db: &crate::db::Db, idle_minutes: u32, secure: bool) -> Result<Self, String> {
        use tower_sessions::cookie::{SameSite, time::Duration};
        use tower_sessions::{ExpiredDeletion, Expiry};
        let store = match db.pool() {
            crate::db::On::Sqlite(pool) => {
                Store::Sqlite(tower_sessions_sqlx_store::SqliteStore::new(pool.clone()))
            }
            crate::db::On::Postgres(pool) => {
                Store::Postgres(tower_sessions_sqlx_store::PostgresStore::new(pool.clone()))
            }
        };
        store
            .migrate()
            .await
            .map_err(|e| format!("cannot prepare the session store: {e}"))?;
        let cleanup = tokio::spawn({
            let store = store.clone();
            async move {
                if let Err(e) = store
                    .continuously_delete_expired(std::time::Duration::from_secs(3600))
                    .await
                {
                    tracing::warn!("deleting expired sessions stopped: {e}");
                }
            }
        });
        let layer = tower_sessions::SessionManagerLayer::new(store)
            .with_name(COOKIE)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(Duration::minutes(i64::from(
                idle_minutes.max(1),
            ))));
        Ok(Sessions { layer, cleanup })
    }

    pub fn layer(&self) -> SessionLayer {
        self.layer.clone()
    }

    pub fn stop(&self) {
        self.cleanup.abort();
    }
}
