//! Attachments over HTTP: the upload (a plain multipart form, so it works
//! without JavaScript) and the download, and the folder the files live in.
//!
//! A file's type is decided from its content, never its name. Files are
//! written under generated names (the attachment's UUID), first to a
//! temporary name, synced, then renamed, so a crash never leaves half a file
//! under a real name; the database row is written only after that, and the
//! file is removed again if the row cannot be written.

use crate::routes;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, Multipart, Path as UrlPath, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use sha2::{Digest, Sha256};

use super::incident_path::IncidentInPath;
use super::session::CurrentUser;
use crate::db::{AttachmentRecord, Db};
use crate::domain::attachment::{
    AttachmentType, content_disposition, safe_file_name, sniff, too_large_message,
};
use crate::domain::audit::Actor;
use crate::domain::incident::IncidentNumber;
use crate::error::AppError;

/// Where attachment files live, and how large one may be.
#[derive(Clone, Debug)]
pub struct AttachmentStore {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

impl AttachmentStore {
    /// Creates the folder if needed.
    pub fn open(dir: PathBuf, max_bytes: u64) -> Result<Self, String> {
        std::fs::create_dir_all(&dir).map_err(|e| {
            format!(
                "cannot create the attachments folder {}: {e}",
                dir.display()
            )
        })?;
        Ok(AttachmentStore { dir, max_bytes })
    }

    /// The folder beside the database file: `data/attachments` for
    /// `data/debrief.db`.
    pub fn default_dir(database_file: &Path) -> PathBuf {
        database_file
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("attachments")
    }

    pub fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Writes `bytes` under `id`, durably; returns the SHA-256 in hex.
    pub fn save(&self, id: &str, bytes: &[u8]) -> std::io::Result<String> {
        use std::io::Write;
        let temporary = self.dir.join(format!(".upload-{id}"));
        let mut file = std::fs::File::create(&temporary)?;
        let written = file.write_all(bytes).and_then(|_| file.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(e);
        }
        std::fs::rename(&temporary, self.path_of(id))?;
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        let digest = Sha256::digest(bytes);
        Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn remove(&self, id: &str) {
        let _ = std::fs::remove_file(self.path_of(id));
    }
}

/// Copies every recorded attachment file into `target` (a new folder), for
/// a backup. Files are never changed once written, so copying after the
/// database snapshot gives every file the snapshot names.
pub async fn copy_for_backup(
    db: &Db,
    store_dir: &Path,
    target: &Path,
) -> Result<(usize, u64), String> {
    let ids = db.attachment_ids().await.map_err(|e| e.to_string())?;
    if ids.is_empty() {
        return Ok((0, 0));
    }
    std::fs::create_dir_all(target)
        .map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let (mut files, mut bytes) = (0, 0);
    for id in ids {
        let from = store_dir.join(&id);
        match std::fs::copy(&from, target.join(&id)) {
            Ok(n) => {
                files += 1;
                bytes += n;
            }
            Err(e) => return Err(format!("cannot copy {}: {e}", from.display())),
        }
    }
    Ok((files, bytes))
}

#[derive(Clone)]
struct Uploads {
    db: Db,
    store: AttachmentStore,
}

/// The upload and download routes. The upload has its own body limit (the
/// configured attachment size plus room for the form around it); the rest
/// of the app keeps the small one.
pub fn routes<S: Clone + Send + Sync + 'static>(db: Db, store: AttachmentStore) -> Router<S> {
    let limit = usize::try_from(store.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route(
            routes::ATTACHMENT_UPLOAD,
            post(upload).layer(DefaultBodyLimit::max(limit)),
        )
        .route(routes::ATTACHMENT, get(download))
        .with_state(Uploads { db, store })
}

/// Where a refusal sends a browser back to: the incident page, at the form
/// it posted from, where the message is said (see `AttachForm`). A script
/// gets the status and the sentence.
struct Back {
    page: String,
    form: String,
    html: bool,
}

impl Back {
    fn refuse(&self, error: AppError) -> Response {
        super::answer::refuse(
            error,
            self.html,
            super::answer::Back::AttachForm {
                page: &self.page,
                form: &self.form,
            },
        )
    }
}

/// The upload form's fields: the event it is for (if any) and the file, or
/// why the file could not be read (too large, a broken upload, none chosen).
async fn read_form(
    multipart: &mut Multipart,
    max_bytes: u64,
) -> (Option<String>, Result<(String, Vec<u8>), AppError>) {
    let too_large = || AppError::TooLarge {
        message: too_large_message(max_bytes),
    };
    let unreadable = |e| super::answer::unreadable_upload(e, || too_large_message(max_bytes));
    let mut event_id: Option<String> = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return (event_id, Err(unreadable(e))),
        };
        match field.name() {
            Some("event") => {
                let text = field.text().await.unwrap_or_default();
                event_id = Some(text.trim().to_string()).filter(|t| !t.is_empty());
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let mut field = field;
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                                return (event_id, Err(too_large()));
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(e) => return (event_id, Err(unreadable(e))),
                    }
                }
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    match file.filter(|(_, b)| !b.is_empty()) {
        Some(file) => (event_id, Ok(file)),
        None => (
            event_id,
            Err(AppError::invalid_field(
                "file",
                "Choose a file to attach: a screenshot or graph (PNG, JPEG, WebP, SVG) or a PDF.",
            )),
        ),
    }
}

async fn upload(
    State(state): State<Uploads>,
    IncidentInPath(IncidentNumber(n)): IncidentInPath,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let html = super::headers::accepts_html(&headers);
    let (event_id, file) = read_form(&mut multipart, state.store.max_bytes).await;
    // The form posted from: the incident's own, or the one under an event.
    let back = Back {
        page: format!("/incidents/{n}"),
        form: match &event_id {
            Some(id) => format!("attach-{id}"),
            None => "attach-incident".to_string(),
        },
        html,
    };
    let (name, bytes) = match file {
        Ok(file) => file,
        Err(error) => return back.refuse(error),
    };
    let kind = match sniff(&bytes) {
        Ok(kind) => kind,
        Err(message) => return back.refuse(AppError::invalid_field("file", message)),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let store = state.store.clone();
    let stored = {
        let id = id.clone();
        tokio::task::spawn_blocking(move || store.save(&id, &bytes).map(|sha| (sha, bytes.len())))
            .await
    };
    let (sha256, size) = match stored {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => return back.refuse(AppError::from_write("storing an attachment", e)),
        Err(e) => return back.refuse(AppError::internal(e)),
    };
    let record = AttachmentRecord {
        id: id.clone(),
        incident_number: IncidentNumber(n),
        event_id: event_id.clone(),
        file_name: safe_file_name(&name, kind),
        kind: kind.code().into(),
        size: size as i64,
        sha256,
        deleted: false,
        created_by: String::new(),
        created_at: chrono::Utc::now(),
    };
    let actor = Actor {
        name: user.0.label(),
        user_id: Some(user.0.id.clone()),
    };
    if let Err(e) = state
        .db
        .add_attachment(IncidentNumber(n), &record, &actor, chrono::Utc::now())
        .await
    {
        state.store.remove(&id);
        // A refusal (400), a full disk, or something logged with a reference.
        return back.refuse(AppError::from(e));
    }
    if html {
        let anchor = event_id
            .map(|e| format!("event-{e}"))
            .unwrap_or_else(|| "attachments".into());
        return Redirect::to(&format!("{}#{anchor}", back.page)).into_response();
    }
    (StatusCode::CREATED, id).into_response()
}

async fn download(State(state): State<Uploads>, UrlPath(id): UrlPath<String>) -> Response {
    let not_found = || {
        AppError::Missing {
            message: "No such attachment.".into(),
        }
        .into_response()
    };
    if uuid::Uuid::parse_str(&id).is_err() {
        return not_found();
    }
    let record = match state.db.attachment(&id).await {
        Ok(Some(r)) if !r.deleted => r,
        Ok(_) => return not_found(),
        Err(e) => return AppError::internal(e).into_response(),
    };
    let Some(kind) = AttachmentType::parse(&record.kind) else {
        return not_found();
    };
    let bytes = match tokio::fs::read(state.store.path_of(&id)).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return AppError::internal(format!("reading attachment {id}: {e}")).into_response();
        }
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(headers, header::CONTENT_TYPE, kind.mime());
    set(
        headers,
        header::CONTENT_DISPOSITION,
        &content_disposition(kind, &record.file_name),
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Opened directly, nothing in the file may run or load anything.
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
    );
    set(headers, header::CACHE_CONTROL, "private, max-age=86400");
    set(headers, header::ETAG, &format!("\"{}\"", record.sha256));
    response
}
