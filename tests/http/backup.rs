//! `debrief backup` makes a consistent copy of a live database, even while
//! incidents are being written, and the copy restores (a copied file is all
//! a restore needs) into a server that reads it.

use crate::common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::{Client, Server, incident_form, query_i64};

fn backup(db_path: &std::path::Path, target: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .arg("backup")
        .arg(target)
        .arg("--database-url")
        .arg(db_path)
        .args(["--log-level", "warn"])
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_under_concurrent_writes_restores_consistently() {
    if common::not_in_the_postgres_run("it copies SQLite's own file") {
        return;
    }
    let server = Server::start();
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..4 {
        let client: Client = (*server).clone();
        let stop = stop.clone();
        let written = written.clone();
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let title = format!("Writer {w} incident {i}");
                let res = client
                    .post(
                        "/api/incidents/create",
                        &incident_form(&title, "blip", "api"),
                    )
                    .await;
                assert_eq!(res.status(), 200);
                written.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Let the writers get going, then back up while they write.
    while written.load(Ordering::Relaxed) < 20 {
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let target = server.dir.path().join("backups/debrief-backup.db");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let out = backup(&server.db_path, &target);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Backed up"));
    // Writes continue after the backup.
    let at_backup = written.load(Ordering::Relaxed);
    while written.load(Ordering::Relaxed) < at_backup + 10 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let total = query_i64(&server.db_path, "SELECT COUNT(*) FROM incidents").await;

    // The copy is a whole database: intact, and every incident in it has its
    // services and its audit row (each written in one transaction).
    let check = common::query_text(&target, "PRAGMA integrity_check").await;
    assert_eq!(check, "ok");
    let copied = query_i64(&target, "SELECT COUNT(*) FROM incidents").await;
    assert!(copied >= 20 && copied < total, "{copied} of {total}");
    assert_eq!(
        query_i64(&target, "SELECT COUNT(*) FROM incident_services").await,
        copied
    );
    assert_eq!(
        query_i64(
            &target,
            "SELECT COUNT(*) FROM audit_log WHERE object_kind = 'incident'"
        )
        .await,
        copied
    );
    assert_eq!(
        query_i64(&target, "SELECT MAX(number) FROM incidents").await,
        copied,
        "numbers have no gaps: the copy is a prefix of the history"
    );

    // Restore: the backup file becomes the database of a new server.
    let restore_dir = tempfile::tempdir().unwrap();
    let restored_path = restore_dir.path().join("debrief.db");
    std::fs::copy(&target, &restored_path).unwrap();
    let restored = Server::start_on(restore_dir, restored_path);
    let last = restored.page(&format!("/incidents/{copied}")).await;
    assert!(
        last.contains("Writer "),
        "the newest copied incident reads back"
    );
    let missing = restored.get(&format!("/incidents/{}", copied + 1)).await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file() {
    if common::not_in_the_postgres_run("it copies SQLite's own file") {
        return;
    }
    let server = Server::start();
    let target = server.dir.path().join("existing.db");
    std::fs::write(&target, "an older backup").unwrap();
    let out = backup(&server.db_path, &target);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "an older backup");
}

#[tokio::test]
async fn a_backup_carries_the_attachment_files_and_restores_with_them() {
    if common::not_in_the_postgres_run("it copies SQLite's own file") {
        return;
    }
    let server = Server::start();
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("With a graph", "blip", "api"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let bytes = b"%PDF-1.7\n% the post-incident graph export\n".to_vec();
    let res = server.upload("graphs.pdf", bytes.clone(), None).await;
    assert_eq!(res.status(), 201);
    let id = res.text().await.unwrap();

    let target = server.dir.path().join("backups/debrief.db");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let out = backup(&server.db_path, &target);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 attachment files"));
    let copied = target.with_file_name("debrief.db.attachments").join(&id);
    assert_eq!(std::fs::read(&copied).unwrap(), bytes);

    // Restore: the database file and the attachments folder beside it.
    let restore_dir = tempfile::tempdir().unwrap();
    let restored_path = restore_dir.path().join("debrief.db");
    std::fs::copy(&target, &restored_path).unwrap();
    std::fs::create_dir_all(restore_dir.path().join("attachments")).unwrap();
    std::fs::copy(&copied, restore_dir.path().join("attachments").join(&id)).unwrap();
    let restored = Server::start_on(restore_dir, restored_path);
    let res = restored.get(&format!("/attachments/{id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().to_vec(), bytes);

    // A second backup under the same name is refused, files included.
    let again = backup(&server.db_path, &target);
    assert!(!again.status.success());
}
