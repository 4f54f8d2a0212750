//! People who use Debrief: their roles, login names, display names and the
//! rules a password must meet. Plain Rust; hashing lives in `password.rs`.

use serde::{Deserialize, Serialize};

use super::incident::closed_set;
use super::incident_form::FieldError;

closed_set!(
    /// What a person may do. Each role includes the rights of the ones before it.
    Role {
        Viewer => ("viewer", "Viewer"),
        Editor => ("editor", "Editor"),
        Admin => ("admin", "Administrator"),
    }
);

impl Role {
    pub fn description(self) -> &'static str {
        match self {
            Role::Viewer => "Reads every incident, timeline, review and report.",
            Role::Editor => {
                "Also writes incidents, timelines, transcript imports and countermeasures."
            }
            Role::Admin => "Also manages people, their roles, and settings; reads the audit log.",
        }
    }

    /// True when this role includes the rights of `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

/// A person as the rest of the app sees them: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub version: i64,
}

impl User {
    /// "Ana Lima (ana)": how the audit log and lists name a person.
    pub fn label(&self) -> String {
        format!("{} ({})", self.display_name, self.login)
    }
}

/// Limits for account fields, enforced on the server and shown in forms.
pub mod limits {
    pub const LOGIN_MIN: usize = 2;
    pub const LOGIN_MAX: usize = 64;
    pub const DISPLAY_NAME: usize = 100;
    /// Characters. Long passphrases are welcome.
    pub const PASSWORD_MIN: usize = 10;
    /// Bytes: hashing cost grows with length, so absurd inputs are refused.
    pub const PASSWORD_MAX_BYTES: usize = 1_024;
}

/// Normalises a login name (trimmed, lower case) or says why it cannot be one.
pub fn check_login(raw: &str) -> Result<String, String> {
    let login = raw.trim().to_lowercase();
    let n = login.chars().count();
    if !(limits::LOGIN_MIN..=limits::LOGIN_MAX).contains(&n) {
        return Err(format!(
            "A login name has {} to {} characters; this one has {n}.",
            limits::LOGIN_MIN,
            limits::LOGIN_MAX
        ));
    }
    if let Some(bad) = login
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
    {
        return Err(format!(
            "A login name may use letters a–z, digits and . _ - @; {bad:?} is not allowed."
        ));
    }
    Ok(login)
}

/// Trims a display name, without its invisible format characters (see
/// `names::is_format`), or says why it cannot be one.
pub fn check_display_name(raw: &str) -> Result<String, String> {
    let visible: String = raw
        .chars()
        .filter(|c| !super::names::is_format(*c))
        .collect();
    let name = visible.trim().to_string();
    if name.is_empty() {
        return Err("Give the name colleagues know this person by, e.g. \"Ana Lima\".".into());
    }
    let n = name.chars().count();
    if n > limits::DISPLAY_NAME {
        return Err(format!(
            "A display name has at most {} characters; this one has {n}.",
            limits::DISPLAY_NAME
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("A display name cannot contain control characters.".into());
    }
    Ok(name)
}

/// Says why a new password cannot be used, if it cannot.
pub fn check_new_password(password: &str, login: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < limits::PASSWORD_MIN {
        return Err(format!(
            "Use at least {} characters; a few ordinary words make a good passphrase.",
            limits::PASSWORD_MIN
        ));
    }
    if password.len() > limits::PASSWORD_MAX_BYTES {
        return Err(format!("Use at most {} bytes.", limits::PASSWORD_MAX_BYTES));
    }
    if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
        return Err("The password cannot contain the login name.".into());
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) {
        return Err("The password cannot be one character repeated.".into());
    }
    Ok(())
}

/// Checks a new password and its confirmation, naming the field at fault.
pub fn check_new_password_pair(
    password: &str,
    confirm: &str,
    login: &str,
) -> Result<(), FieldError> {
    check_new_password(password, login).map_err(|m| FieldError::new("password", m))?;
    if password != confirm {
        return Err(FieldError::new(
            "password_confirm",
            "The two passwords differ; type the same one twice.",
        ));
    }
    Ok(())
}

/// A new account as typed in a form (setup page, admin page or command line).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
    pub password_confirm: String,
}

/// A validated new account; the password still in clear, to be hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

impl NewUserForm {
    /// The form with its passwords blanked: what may be sent back to a page.
    pub fn without_passwords(&self) -> Self {
        NewUserForm {
            password: String::new(),
            password_confirm: String::new(),
            ..self.clone()
        }
    }

    /// Every reason the form is refused, or the account it describes.
    pub fn validate(&self) -> Result<NewUser, Vec<FieldError>> {
        let mut errors = Vec::new();
        let login = check_login(&self.login)
            .map_err(|m| errors.push(FieldError::new("login", m)))
            .unwrap_or_default();
        let display_name = check_display_name(&self.display_name)
            .map_err(|m| errors.push(FieldError::new("display_name", m)))
            .unwrap_or_default();
        let role = Role::parse(&self.role).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "role",
                format!("Choose a role: {}.", Role::codes()),
            ));
            Role::Viewer
        });
        if let Err(e) = check_new_password_pair(&self.password, &self.password_confirm, &login) {
            errors.push(e);
        }
        if errors.is_empty() {
            Ok(NewUser {
                login,
                display_name,
                role,
                password: self.password.clone(),
            })
        } else {
            Err(errors)
        }
    }
}

/// Where to go after signing in: only a path on this site, never another host.
pub fn safe_return_path(next: &str) -> String {
    let next = next.trim();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local && !next.starts_with("/login") && !next.starts_with("/setup") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_rights_of_lower_roles() {
        assert!(Role::Admin.allows(Role::Editor));
        assert!(Role::Admin.allows(Role::Viewer));
        assert!(Role::Editor.allows(Role::Viewer));
        assert!(!Role::Editor.allows(Role::Admin));
        assert!(!Role::Viewer.allows(Role::Editor));
        assert!(Role::Viewer.allows(Role::Viewer));
    }

    #[test]
    fn login_names_are_normalised_and_restricted() {
        assert_eq!(check_login("  Ana.Lima ").unwrap(), "ana.lima");
        assert!(check_login("a").unwrap_err().contains("2 to 64"));
        assert!(check_login("ana lima").unwrap_err().contains("' '"));
        assert!(check_login("<script>").is_err());
        assert!(check_login(&"x".repeat(65)).is_err());
    }

    #[test]
    fn display_names_must_be_present_and_printable() {
        assert_eq!(check_display_name(" Ana Lima ").unwrap(), "Ana Lima");
        assert!(check_display_name("   ").is_err());
        assert!(check_display_name("Ana\u{0007}").is_err());
        assert!(
            check_display_name(&"é".repeat(101))
                .unwrap_err()
                .contains("101")
        );
        // Markup is text, not refused: pages escape it.
        assert!(check_display_name("<b>Ana</b>").is_ok());
    }

    #[test]
    fn display_names_lose_invisible_format_characters() {
        assert_eq!(
            check_display_name("Ana\u{202E}amiL \u{200B}").unwrap(),
            "AnaamiL"
        );
        assert_eq!(
            check_display_name("\u{2066}Kim\u{2069} Park\u{FEFF}").unwrap(),
            "Kim Park"
        );
        // Nothing visible left: refused as an empty name.
        assert!(check_display_name("\u{200B}\u{202E}").is_err());
    }

    #[test]
    fn passwords_must_be_long_and_not_the_login() {
        assert!(
            check_new_password("short", "ana")
                .unwrap_err()
                .contains("10")
        );
        assert!(check_new_password("ana-is-my-password", "ana").is_err());
        assert!(check_new_password("aaaaaaaaaaaa", "bob").is_err());
        assert!(
            check_new_password(&"ab".repeat(600), "bob")
                .unwrap_err()
                .contains("1024")
        );
        assert!(check_new_password("correct horse battery", "ana").is_ok());
    }

    #[test]
    fn a_new_user_form_reports_every_problem_at_once() {
        let form = NewUserForm {
            login: "a b".into(),
            display_name: "".into(),
            role: "owner".into(),
            password: "short".into(),
            password_confirm: "other".into(),
        };
        let errors = form.validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["login", "display_name", "role", "password"]);
        assert!(errors[2].message.contains("viewer, editor, admin"));

        let ok = NewUserForm {
            login: "Ana".into(),
            display_name: "Ana Lima".into(),
            role: "editor".into(),
            password: "correct horse battery".into(),
            password_confirm: "correct horse battery".into(),
        };
        let user = ok.validate().unwrap();
        assert_eq!((user.login.as_str(), user.role), ("ana", Role::Editor));

        let mismatch = NewUserForm {
            password_confirm: "correct horse batterz".into(),
            ..ok.clone()
        };
        assert_eq!(
            mismatch.validate().unwrap_err()[0].field,
            "password_confirm"
        );
        assert!(ok.without_passwords().password.is_empty());
    }

    #[test]
    fn sign_in_returns_only_to_paths_on_this_site() {
        assert_eq!(safe_return_path("/incidents/4"), "/incidents/4");
        assert_eq!(safe_return_path("https://evil.example/"), "/");
        assert_eq!(safe_return_path("//evil.example/"), "/");
        assert_eq!(safe_return_path("/\\evil.example"), "/");
        assert_eq!(safe_return_path("/login"), "/");
        assert_eq!(safe_return_path(""), "/");
    }
}
