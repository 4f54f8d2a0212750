//! `debrief export` writes one whole incident (JSON, the restorable archive;
//! or Markdown or HTML to read); `debrief restore-incident` writes a JSON
//! archive into this database as a new incident, in one transaction.

use std::io::Write;

use app::db::Db;
use app::domain::audit::Actor;
use app::domain::incident::IncidentNumber;

use crate::ExportArgs;

pub async fn export(database_url: &str, args: &ExportArgs) -> Result<(), String> {
    let db = Db::open(database_url).await.map_err(|e| e.to_string())?;
    let archive = db
        .export_incident(IncidentNumber(args.incident))
        .await
        .map_err(|e| match e {
            app::db::DbError::NotFound(_) => format!("there is no incident {}", args.incident),
            other => other.to_string(),
        })?;
    let text = match args.format.as_str() {
        "json" => app::domain::archive::to_json(&archive),
        "md" => app::domain::archive::to_markdown(&archive),
        "html" => app::domain::postmortem::standalone_html(
            &format!("Incident #{}", args.incident),
            "The whole incident, exported from Debrief. Times are UTC.",
            &app::domain::markdown::render_markdown(&app::domain::archive::to_markdown(&archive)),
        ),
        other => return Err(format!("--format {other:?}: use json, md or html")),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string())?,
    }
    db.close().await;
    Ok(())
}

pub async fn restore(database_url: &str, file: &std::path::Path) -> Result<(), String> {
    // Streamed from the file: no size limit here (the server's own disk
    // and memory), unlike the upload.
    let archive =
        app::domain::archive::read_file(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let db = Db::open(database_url).await.map_err(|e| e.to_string())?;
    let actor = Actor {
        name: "command line (restore-incident)".into(),
        user_id: None,
    };
    let done = app::flows::restore::restore(&db, archive, &actor)
        .await
        .map_err(|e| format!("nothing was restored: {e}"))?;
    match done.renumbered_from {
        Some(old) => println!(
            "restored incident #{old} as #{} (#{old} was taken), {} rows",
            done.number, done.rows
        ),
        None => println!("restored incident #{}, {} rows", done.number, done.rows),
    }
    db.close().await;
    Ok(())
}
