//! operator sign-in: HTTP Basic on every call, checked against the scenario's users. The
//! vendor material names no permission scheme, so ours is small and written down: `roles`
//! hold `admin` (everything) or `read` (GET only).

use crate::engine::auth::{AuthScheme, AuthUser};
use crate::engine::family::StateError;

pub const SCHEME: AuthScheme = AuthScheme {
    challenge: "Basic realm=\"operator\"",
    bearer: false,
    basic: true,
    cookie: None,
    open_operations: &[],
};

/// The family's sign-in rules, as the engine asks for them.
pub static RULES: crate::engine::auth::AuthRules = crate::engine::auth::AuthRules {
    scheme: SCHEME,
    check_user,
    permits: |user, attempt| permits(user, attempt.operation_id),
};

pub fn check_user(user: &AuthUser) -> Result<(), StateError> {
    if user.roles.is_empty() {
        return Err(StateError::new(
            "/roles",
            "an operator user needs a role: admin or read",
        ));
    }
    for (i, role) in user.roles.iter().enumerate() {
        if role != "admin" && role != "read" {
            return Err(StateError::new(
                format!("/roles/{i}"),
                format!("unknown operator role {role:?}: expected admin or read"),
            ));
        }
    }
    if user.level.is_some()
        || user.tenant.is_some()
        || user.group.is_some()
        || user.domain.is_some()
    {
        return Err(StateError::new(
            "",
            "an operator user has username, password and roles only",
        ));
    }
    Ok(())
}

pub fn permits(user: &AuthUser, operation_id: &str) -> Result<(), String> {
    let reads =
        operation_id.starts_with("operator_list_") || operation_id.starts_with("operator_get_");
    if reads || user.roles.iter().any(|r| r == "admin") {
        Ok(())
    } else {
        Err(format!("{} may only read (role read)", user.username))
    }
}
