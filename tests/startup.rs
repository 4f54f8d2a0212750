//! Start-up: the database is created and migrated on first start, reopened as
//! is, and refused with a clear message when a newer Debrief wrote it.

mod common;

use common::{Server, spawn};

#[tokio::test]
async fn data_survives_a_restart() {
    let server = Server::start();
    let res = server
        .post(
            "/api/incidents/create",
            &common::incident_form("Survives restart", "blip", ""),
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let (dir, db_path) = server.stop();
    let again = Server::start_on(dir, db_path);
    assert!(
        again
            .page("/incidents/1")
            .await
            .contains("Survives restart")
    );
}

#[tokio::test]
async fn a_database_written_by_a_newer_debrief_is_refused() {
    let server = Server::start();
    let (dir, db_path) = server.stop();
    common::execute_sql(
        &db_path,
        &format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99990101000000, 'from the future', TRUE, {}, 0)",
            if common::on_postgres() { "'\\x00'::bytea" } else { "x'00'" }
        ),
    )
    .await;
    let err = spawn(&db_path).expect_err("the server must refuse to start");
    assert!(err.contains("newer Debrief"), "{err}");
    assert!(err.contains("99990101000000"), "{err}");
    drop(dir);
}

#[tokio::test]
async fn a_relative_database_path_is_resolved_against_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .current_dir(dir.path())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "sqlite:data/rel.db",
            "--log-level",
            "warn",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.contains(&format!("{}/data/rel.db", dir.path().display())),
        "{line}"
    );
    assert!(dir.path().join("data/rel.db").exists());
}
