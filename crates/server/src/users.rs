//! `labday-server user add`: creates staff accounts from the command line (the first
//! organiser has to come from somewhere).

use crate::auth;
use crate::config::{Config, UserCommand};
use crate::startup::open_storage;
use crate::storage::staff::NewStaff;
use labday_domain::staff::{parse_username, Role, PASSWORD_MIN_CHARS};

/// Runs a user subcommand; the error is one sentence for the operator.
pub async fn run(
    config: &Config,
    command: UserCommand,
    password: Option<String>,
) -> Result<String, String> {
    let UserCommand::Add {
        username,
        role,
        organisation,
        display_name,
    } = command;
    let username = parse_username(&username).map_err(|_| {
        "the username must be 3–32 characters of a-z, 0-9, '.', '_' or '-'".to_owned()
    })?;
    let role = Role::parse(&role).ok_or("the role must be `organiser` or `lab-staff`")?;
    let organisation_id = match (role, organisation) {
        (Role::LabStaff, None) => {
            return Err("a lab-staff account needs --organisation <id>".into())
        }
        (Role::Organiser, _) => None,
        (Role::LabStaff, some) => some,
    };
    let password = password.ok_or("give the password in LABDAY_PASSWORD or on standard input")?;
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(format!(
            "the password must have at least {PASSWORD_MIN_CHARS} characters"
        ));
    }
    let password_hash = auth::hash_password(&password)?;
    let mut quiet = config.clone();
    quiet.no_demo_data = true;
    let storage = open_storage(&quiet).await.map_err(|e| e.to_string())?;
    let staff = NewStaff {
        username: username.clone(),
        display_name,
        password_hash,
        role,
        organisation_id,
    };
    match storage
        .add_staff(staff, auth::now_local())
        .await
        .map_err(|e| e.to_string())?
    {
        Some(id) => Ok(format!(
            "created {} account `{username}` (id {id})",
            role.as_str()
        )),
        None => Err(format!("the username `{username}` is taken")),
    }
}
