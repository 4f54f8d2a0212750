//! `debrief backup` and `debrief migrate-data`: a consistent copy of a live
//! database with its attachment files, and a whole SQLite deployment moved
//! into an empty PostgreSQL database.

use std::path::PathBuf;

use app::db::Db;
use app::server::attachments::{self, AttachmentStore};

use crate::{Cli, MigrateDataArgs};

/// The attachments folder: the flag, else `attachments` beside the SQLite
/// file (on PostgreSQL, `data/attachments` under the working directory;
/// instances that share a database must be given one shared folder).
pub fn attachments_dir(cli: &Cli, db: &Db) -> PathBuf {
    cli.attachments_dir.clone().unwrap_or_else(|| {
        if db.is_postgres() {
            PathBuf::from("data/attachments")
        } else {
            AttachmentStore::default_dir(std::path::Path::new(db.location()))
        }
    })
}

pub async fn migrate_data(args: &MigrateDataArgs) -> Result<(), String> {
    let from = Db::open(&args.from).await.map_err(|e| e.to_string())?;
    if from.is_postgres() {
        return Err("--from must be the SQLite database to move (sqlite:PATH)".into());
    }
    let to = Db::open(&args.to).await.map_err(|e| e.to_string())?;
    if !to.is_postgres() {
        return Err("--to must be the PostgreSQL database to fill (postgres://…)".into());
    }
    let from_dir = args
        .from_attachments
        .clone()
        .unwrap_or_else(|| AttachmentStore::default_dir(std::path::Path::new(from.location())));
    let to_dir = args
        .to_attachments
        .clone()
        .unwrap_or_else(|| PathBuf::from("data/attachments"));
    let moved = app::flows::migrate_data::migrate_data(
        &from,
        &to,
        attachments::copy_for_backup(&from, &from_dir, &to_dir),
    )
    .await?;
    println!(
        "{:<26} {:>10}  checksum (SHA-256 sum of rows)",
        "table", "rows"
    );
    for copy in &moved.tables {
        println!("{:<26} {:>10}  {}", copy.table, copy.rows, copy.checksum);
    }
    let rows: u64 = moved.tables.iter().map(|c| c.rows).sum();
    println!(
        "Moved {rows} rows in {} tables from {} to {}, each verified by count and checksum; \
         {} attachment files ({} bytes) copied to {}. \
         Sessions are not moved: people sign in again.",
        moved.tables.len(),
        from.location(),
        to.location(),
        moved.files,
        moved.file_bytes,
        to_dir.display()
    );
    from.close().await;
    to.close().await;
    Ok(())
}

pub async fn backup(cli: &Cli, file: &std::path::Path) -> Result<(), String> {
    let db = Db::open(&cli.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let mut target_files = file.as_os_str().to_owned();
    target_files.push(".attachments");
    let target_files = PathBuf::from(target_files);
    if target_files.exists() {
        db.close().await;
        return Err(format!(
            "{} exists already; choose a new name so no backup is overwritten",
            target_files.display()
        ));
    }
    let outcome = match db.backup_to(file).await {
        Ok(bytes) => attachments::copy_for_backup(&db, &attachments_dir(cli, &db), &target_files)
            .await
            .map(|files| (bytes, files)),
        Err(e) => Err(e.to_string()),
    };
    db.close().await;
    let (bytes, (files, file_bytes)) = outcome?;
    println!(
        "Backed up {} to {} ({bytes} bytes), and {files} attachment files ({file_bytes} bytes) to {}.",
        db.location(),
        file.display(),
        target_files.display()
    );
    Ok(())
}
