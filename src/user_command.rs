//! `debrief user`: accounts added, listed, given a role, deactivated, or
//! given a new password, from the command line.

use app::db::Db;

use crate::UserCommand;

/// Reads a password without echo from the terminal (asked twice), or the first
/// line of standard input when that is a pipe or file.
fn read_password() -> Result<String, String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ; nothing was changed".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

pub async fn run(database_url: &str, command: &UserCommand) -> Result<(), String> {
    use app::domain::account::{NewUserForm, Role, check_login, check_new_password};
    use app::domain::audit::Actor;
    let db = Db::open(database_url).await.map_err(|e| e.to_string())?;
    let outcome = match command {
        UserCommand::Add {
            login,
            admin,
            role,
            display_name,
        } => {
            let password = read_password()?;
            let form = NewUserForm {
                login: login.clone(),
                display_name: display_name.clone().unwrap_or_else(|| login.clone()),
                role: if *admin {
                    Role::Admin.code().into()
                } else {
                    role.clone()
                },
                password: password.clone(),
                password_confirm: password,
            };
            let new = form.validate().map_err(|errors| {
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            let record = app::db::UserRecord::hashing(new)?;
            db.create_user(
                &record,
                &Actor::command_line("user add"),
                false,
                chrono::Utc::now(),
            )
            .await
            .map(|user| {
                println!(
                    "Created {} with the {} role.",
                    user.label(),
                    user.role.label()
                )
            })
            .map_err(|e| e.to_string())
        }
        UserCommand::Password { login } => {
            let login = check_login(login)?;
            let credentials = db
                .credentials(&login)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("there is no account named {login:?}"))?;
            let password = read_password()?;
            check_new_password(&password, &login)?;
            let hash = app::domain::password::hash_password(&password)?;
            db.set_password(
                &credentials.user.id,
                &hash,
                &Actor::command_line("user password"),
                chrono::Utc::now(),
            )
            .await
            .map(|_| {
                println!(
                    "Set a new password for {}; its sessions ended.",
                    credentials.user.label()
                )
            })
            .map_err(|e| e.to_string())
        }
    };
    db.close().await;
    outcome
}
