//! Transcripts on their way in: uploaded (or pasted) files are streamed to a
//! staging folder, previewed from there, and imported from there. Nothing
//! reaches the database before the person has seen the preview.
//!
//! A staged upload is a folder named by a random token, holding the files and
//! a manifest saying who staged them for which incident. Folders older than a
//! day are removed when the next upload arrives.

use crate::routes;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::incident_path::IncidentInPath;
use super::session::CurrentUser;
use crate::db::{Db, DbError};
use crate::domain::incident::IncidentNumber;
use crate::domain::names::visible_name;
use crate::error::AppError;

/// Default largest upload of transcripts, in bytes.
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Staged uploads kept per person; staging another removes their oldest.
pub const KEEP_PER_PERSON: usize = 3;

/// Uploads one person may send at once.
const UPLOADS_AT_ONCE_PER_PERSON: usize = 2;

/// Uploads in progress, per person.
static UPLOADING: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, usize>>> =
    std::sync::LazyLock::new(Default::default);

/// A person's slot among their uploads in progress, given back when dropped.
struct UploadSlot(String);

impl UploadSlot {
    fn take(user_id: &str) -> Option<UploadSlot> {
        let mut uploading = UPLOADING.lock().unwrap_or_else(|e| e.into_inner());
        let count = uploading.entry(user_id.to_string()).or_insert(0);
        if *count >= UPLOADS_AT_ONCE_PER_PERSON {
            return None;
        }
        *count += 1;
        Some(UploadSlot(user_id.to_string()))
    }
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut uploading = UPLOADING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = uploading.get_mut(&self.0) {
            *count -= 1;
            if *count == 0 {
                uploading.remove(&self.0);
            }
        }
    }
}

/// How long a staged upload is kept without being imported.
const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

#[derive(Clone, Debug)]
pub struct Staging {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

/// One staged file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StagedFile {
    /// As the person named it (shown, and read for its date).
    pub name: String,
    /// The file inside the staging folder.
    pub stored: String,
    pub size: u64,
    /// A pasted text rather than a file.
    pub pasted: bool,
}

/// What a paste with no channel typed for it is called.
pub const UNNAMED_PASTE: &str = "pasted text";

impl StagedFile {
    /// The channel its lines go to unless the preview names another: the
    /// channel typed for a paste, or one read from a file's name.
    pub fn default_channel(&self) -> String {
        if self.pasted {
            match self.name.trim() {
                "" | UNNAMED_PASTE => "pasted".into(),
                typed => typed.into(),
            }
        } else {
            transcript::read::channel_from_file_name(&self.name)
        }
    }
}

/// Who staged what, for which incident.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub incident: i64,
    pub user_id: String,
    pub files: Vec<StagedFile>,
}

/// The message for an upload over the limit.
pub fn too_large_message(max_bytes: u64) -> String {
    format!(
        "The upload is larger than the limit of {} MB, so nothing was kept. Split the transcript into several files, or ask the administrator to raise the limit (--transcript-max-mb).",
        max_bytes / (1024 * 1024)
    )
}

impl Staging {
    pub fn open(dir: PathBuf, max_bytes: u64) -> Result<Self, String> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the staging folder {}: {e}", dir.display()))?;
        Ok(Staging { dir, max_bytes })
    }

    pub fn default_dir(database_file: &Path) -> PathBuf {
        database_file
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("staging")
    }

    fn folder(&self, token: &str) -> Option<PathBuf> {
        let valid = token.len() == 36 && token.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        valid.then(|| self.dir.join(token))
    }

    /// The staged upload `token`, if it exists and was staged by `user_id`
    /// for incident `incident`.
    pub fn load(&self, token: &str, incident: i64, user_id: &str) -> Option<(PathBuf, Manifest)> {
        let folder = self.folder(token)?;
        let text = std::fs::read_to_string(folder.join("manifest.json")).ok()?;
        let manifest: Manifest = serde_json::from_str(&text).ok()?;
        (manifest.incident == incident && manifest.user_id == user_id).then_some((folder, manifest))
    }

    /// Removes a staged upload (after its import, or when abandoned).
    pub fn remove(&self, token: &str) {
        if let Some(folder) = self.folder(token) {
            let _ = std::fs::remove_dir_all(folder);
        }
    }

    /// Keeps `user_id`'s newest [`KEEP_PER_PERSON`] staged uploads and
    /// removes the older ones, so that one person's uploads take at most
    /// that many times the upload limit of disk, however many they send.
    fn keep_newest_of(&self, user_id: &str) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut theirs: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter_map(|entry| {
                let text = std::fs::read_to_string(entry.path().join("manifest.json")).ok()?;
                let manifest: Manifest = serde_json::from_str(&text).ok()?;
                (manifest.user_id == user_id).then_some(())?;
                let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
                Some((modified, entry.path()))
            })
            .collect();
        theirs.sort_by_key(|entry| std::cmp::Reverse(entry.0));
        for (_, folder) in theirs.into_iter().skip(KEEP_PER_PERSON) {
            let _ = std::fs::remove_dir_all(folder);
        }
    }

    fn sweep(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > KEEP_FOR);
            if old {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// What the upload route needs: the database (to check the incident) and
/// the staging folder.
#[derive(Clone)]
struct StageState {
    db: Db,
    staging: Staging,
}

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db, staging: Staging) -> Router<S> {
    let limit = usize::try_from(staging.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    Router::new()
        .route(
            routes::TRANSCRIPT_UPLOAD,
            post(stage).layer(DefaultBodyLimit::max(limit)),
        )
        .with_state(StageState { db, staging })
}

/// The longest file name (or name of a pasted transcript) kept: what file
/// systems allow.
const MAX_NAME: usize = 255;

/// A staging write that failed: a full disk said as such (507), anything
/// else logged with a reference (500).
fn write_failed(e: std::io::Error) -> AppError {
    AppError::from_write("staging a transcript", e)
}

/// An upload refused, said on a page that leads back to `back` (the import
/// page), or as plain text to a script.
fn refuse(error: AppError, back: &str, html: bool) -> Response {
    super::answer::refuse(
        error,
        html,
        super::answer::Back::Page {
            title: "Nothing was uploaded",
            href: back,
            label: "Back to the import page",
        },
    )
}

/// Receives `file` fields (any number) and a `paste` text (with an optional
/// `paste_name`), streams them to a new staging folder, and sends the person
/// to the preview.
async fn stage(
    State(StageState { db, staging }): State<StageState>,
    IncidentInPath(IncidentNumber(n)): IncidentInPath,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    use tokio::io::AsyncWriteExt;
    let html = super::headers::accepts_html(&headers);
    match db.incident(IncidentNumber(n)).await {
        Ok(Some(_)) => {}
        Ok(None) | Err(DbError::NotFound(_)) => {
            let missing = AppError::Missing {
                message: format!("Incident {n} was not found; nothing was uploaded."),
            };
            return refuse(missing, "/incidents", html);
        }
        Err(e) => return refuse(AppError::from(e), "/incidents", html),
    }
    let back = format!("/incidents/{n}/import");
    let Some(_slot) = UploadSlot::take(&user.0.id) else {
        let busy = AppError::TooManyAttempts {
            message: format!(
                "You are already sending {UPLOADS_AT_ONCE_PER_PERSON} uploads; nothing more was kept. Wait for them to finish, then try again."
            ),
            retry_after: 5,
        };
        return refuse(busy, &back, html);
    };
    staging.sweep();
    let token = uuid::Uuid::new_v4().to_string();
    let folder = staging.dir.join(&token);
    if let Err(e) = tokio::fs::create_dir_all(&folder).await {
        return refuse(write_failed(e), &back, html);
    }
    let fail = |error: AppError| {
        let _ = std::fs::remove_dir_all(&folder);
        refuse(error, &back, html)
    };
    let mut files: Vec<StagedFile> = Vec::new();
    let mut total: u64 = 0;
    let mut paste_name = String::new();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return fail(super::answer::unreadable_upload(e, || {
                    too_large_message(staging.max_bytes)
                }));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "paste_name" {
            let typed = field.text().await.unwrap_or_default();
            paste_name = visible_name(&typed).trim().to_string();
            if paste_name.chars().count() > MAX_NAME {
                return fail(AppError::invalid_field(
                    "paste_name",
                    format!("The name of a pasted transcript is at most {MAX_NAME} characters."),
                ));
            }
            continue;
        }
        if name != "file" && name != "paste" {
            continue;
        }
        let pasted = name == "paste";
        let shown = if pasted {
            String::new()
        } else {
            let last = field
                .file_name()
                .unwrap_or("")
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("");
            visible_name(last)
        };
        if shown.chars().count() > MAX_NAME {
            return fail(AppError::invalid_field(
                "file",
                format!(
                    "A file name is at most {MAX_NAME} characters; rename the file and upload it again."
                ),
            ));
        }
        let stored = format!("{}", files.len());
        let path = folder.join(&stored);
        let mut out = match tokio::fs::File::create(&path).await {
            Ok(f) => f,
            Err(e) => return fail(write_failed(e)),
        };
        let mut size: u64 = 0;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    total += chunk.len() as u64;
                    if total > staging.max_bytes {
                        return fail(AppError::TooLarge {
                            message: too_large_message(staging.max_bytes),
                        });
                    }
                    if let Err(e) = out.write_all(&chunk).await {
                        return fail(write_failed(e));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    return fail(super::answer::unreadable_upload(e, || {
                        too_large_message(staging.max_bytes)
                    }));
                }
            }
        }
        // Written out before it counts as staged: a full disk shows here.
        if let Err(e) = out.flush().await {
            return fail(write_failed(e));
        }
        if size == 0 {
            let _ = tokio::fs::remove_file(&path).await;
            continue;
        }
        files.push(StagedFile {
            name: shown,
            stored,
            size,
            pasted,
        });
    }
    for f in files.iter_mut().filter(|f| f.pasted) {
        f.name = if paste_name.is_empty() {
            UNNAMED_PASTE.into()
        } else {
            paste_name.clone()
        };
    }
    if files.is_empty() {
        return fail(AppError::invalid_field(
            "file",
            "Choose one or more transcript files, or paste a transcript into the text box.",
        ));
    }
    let manifest = Manifest {
        incident: n,
        user_id: user.0.id.clone(),
        files,
    };
    let written = serde_json::to_vec(&manifest)
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(folder.join("manifest.json"), bytes));
    if let Err(e) = written {
        return fail(write_failed(e));
    }
    staging.keep_newest_of(&manifest.user_id);
    let to = format!("/incidents/{n}/import?staged={token}");
    if html {
        Redirect::to(&to).into_response()
    } else {
        (
            StatusCode::CREATED,
            [(http::header::LOCATION, to.clone())],
            token,
        )
            .into_response()
    }
}
