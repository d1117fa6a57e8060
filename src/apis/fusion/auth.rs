//! fusion sign-in: `POST /api/v01/auth/login` and `POST /api/v01/auth/refresh` hand out
//! Bearer tokens; every other operation needs the role the document names for it, written as
//! the document writes it (`tenants.instance.subscriptions.instance.trunkgroups.list`). A user's
//! granted role may put a concrete tenant uuid / subscription id / trunk group id where the
//! document writes `instance`, or keep `instance` (or `*`) for any; a last segment `*` grants
//! everything below it (`tenants.instance.*`), and `*` alone grants every role.

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::Call;
use super::errors::FusionError;
use super::model::FusionState;
use crate::engine::auth::{AuthScheme, AuthUser};
use crate::engine::call::Pairs;
use crate::engine::family::StateError;
use crate::engine::reply::Reply;

pub const SCHEME: AuthScheme = AuthScheme {
    challenge: "Bearer realm=\"fusion\"",
    bearer: true,
    basic: false,
    cookie: None,
    open_operations: &["fusion_login", "fusion_refresh"],
};

/// The family's sign-in rules, as the engine asks for them.
pub static RULES: crate::engine::auth::AuthRules = crate::engine::auth::AuthRules {
    scheme: SCHEME,
    check_user,
    permits: |user, attempt| permits(user, attempt.operation_id, attempt.path_params),
};

const TG: &str = "tenants.instance.subscriptions.instance.trunkgroups";

/// The role each operation needs, from the document's "Required role" lines.
fn required_role(operation_id: &str) -> Option<String> {
    let tail = match operation_id {
        "fusion_list_trunk_groups" => "list",
        "fusion_get_trunk_group" => "read",
        "fusion_create_trunk_group" => "create",
        "fusion_update_trunk_group" => "update",
        "fusion_delete_trunk_group" => "delete",
        "fusion_list_trunk_group_numbers" => "instance.numbers.list",
        "fusion_add_trunk_group_numbers" => "instance.numbers.create",
        "fusion_remove_trunk_group_numbers" => "instance.numbers.delete",
        "fusion_set_disaster_recovery_plans"
        | "fusion_set_disaster_recovery_status"
        | "fusion_toggle_disaster_recovery" => "update.disaster_recovery",
        "fusion_list_access_trunks" => "instance.access_trunks.list",
        "fusion_get_access_trunk" => "instance.access_trunks.read",
        "fusion_create_access_trunks" => "instance.access_trunks.create",
        "fusion_modify_access_trunk" => "instance.access_trunks.instance.update",
        "fusion_delete_access_trunk" => "instance.access_trunks.instance.delete",
        "fusion_list_peer_trunks" => "instance.peer_trunks.list",
        "fusion_get_peer_trunk" => "instance.peer_trunks.read",
        "fusion_create_peer_trunk" => "instance.peer_trunks.create",
        "fusion_modify_peer_trunk" => "instance.peer_trunks.instance.update",
        "fusion_delete_peer_trunk" => "instance.peer_trunks.instance.delete",
        "fusion_bulk_trunk_groups" => "bulk",
        "fusion_list_trunk_group_bulk_jobs" | "fusion_list_subscription_trunk_group_bulk_jobs" => {
            "bulk.jobs"
        }
        "fusion_bulk_access_trunks" => {
            return Some("tenants.instance.subscriptions.instance.accesstrunks.bulk".into());
        }
        "fusion_list_access_trunk_bulk_jobs"
        | "fusion_list_subscription_access_trunk_bulk_jobs" => {
            return Some("tenants.instance.subscriptions.instance.accesstrunks.bulk.jobs".into());
        }
        "fusion_bulk_peer_trunks" => {
            return Some("tenants.instance.subscriptions.instance.peertrunks.bulk".into());
        }
        "fusion_list_peer_trunk_bulk_jobs" | "fusion_list_subscription_peer_trunk_bulk_jobs" => {
            return Some("tenants.instance.subscriptions.instance.peertrunks.bulk.jobs".into());
        }
        _ => return None,
    };
    Some(format!("{TG}.{tail}"))
}

/// Every role string the document names, for `trunkmock check`.
const OPERATIONS: &[&str] = &[
    "fusion_list_trunk_groups",
    "fusion_get_trunk_group",
    "fusion_create_trunk_group",
    "fusion_update_trunk_group",
    "fusion_delete_trunk_group",
    "fusion_list_trunk_group_numbers",
    "fusion_add_trunk_group_numbers",
    "fusion_remove_trunk_group_numbers",
    "fusion_set_disaster_recovery_plans",
    "fusion_list_access_trunks",
    "fusion_get_access_trunk",
    "fusion_create_access_trunks",
    "fusion_modify_access_trunk",
    "fusion_delete_access_trunk",
    "fusion_list_peer_trunks",
    "fusion_get_peer_trunk",
    "fusion_create_peer_trunk",
    "fusion_modify_peer_trunk",
    "fusion_delete_peer_trunk",
    "fusion_bulk_trunk_groups",
    "fusion_list_trunk_group_bulk_jobs",
    "fusion_bulk_access_trunks",
    "fusion_list_access_trunk_bulk_jobs",
    "fusion_bulk_peer_trunks",
    "fusion_list_peer_trunk_bulk_jobs",
];

/// Whether a granted role covers a required one whose `instance` positions hold `values`
/// (`None`: the path has no such part, so only a wildcard grant covers it).
fn grant_covers(grant: &str, required: &str, values: &[Option<&str>]) -> bool {
    if grant == "*" {
        return true;
    }
    let g: Vec<&str> = grant.split('.').collect();
    let mut instances = values.iter();
    for (i, seg) in required.split('.').enumerate() {
        let Some(gs) = g.get(i) else {
            return false;
        };
        if *gs == "*" && i == g.len() - 1 {
            return true;
        }
        if seg == "instance" {
            let value = instances.next().copied().flatten();
            let wild = *gs == "instance" || *gs == "*";
            if !wild && Some(*gs) != value {
                return false;
            }
        } else if *gs != seg && *gs != "*" {
            return false;
        }
    }
    g.len() == required.split('.').count()
}

/// Whether a role string is one the document could grant: a concrete value (or `*`) may
/// stand where the document writes `instance`, and a last `*` covers everything below.
fn known_role(grant: &str) -> bool {
    let g: Vec<&str> = grant.split('.').collect();
    OPERATIONS
        .iter()
        .filter_map(|op| required_role(op))
        .any(|r| {
            let rs: Vec<&str> = r.split('.').collect();
            let prefix = g.last() == Some(&"*");
            let fits = |n: usize| {
                g[..n]
                    .iter()
                    .zip(&rs)
                    .all(|(g, r)| *r == "instance" || g == r || *g == "*")
            };
            if prefix {
                g.len() - 1 <= rs.len() && fits(g.len() - 1)
            } else {
                g.len() == rs.len() && fits(g.len())
            }
        })
}

pub fn check_user(user: &AuthUser) -> Result<(), StateError> {
    for (i, role) in user.roles.iter().enumerate() {
        if !known_role(role) {
            return Err(StateError::new(
                format!("/roles/{i}"),
                format!("unknown role string {role:?}: not a role the fusion document names"),
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
            "a fusion user has username, password and roles only",
        ));
    }
    Ok(())
}

pub fn permits(user: &AuthUser, operation_id: &str, params: &Pairs) -> Result<(), String> {
    let Some(required) = required_role(operation_id) else {
        return Ok(());
    };
    let values = [
        params.get("uuid"),
        params.get("subscription_id"),
        params.get("trunkgroup_id"),
        params.get("id"),
    ];
    // The trunk group's own id is `id` where no child follows it in the path.
    let values = if params.get("trunkgroup_id").is_none() {
        [values[0], values[1], values[3], None]
    } else {
        values
    };
    if user
        .roles
        .iter()
        .any(|g| grant_covers(g, &required, &values))
    {
        Ok(())
    } else {
        Err(format!("{} lacks the role {required}", user.username))
    }
}

#[derive(Deserialize, Default)]
struct Login {
    username: String,
    password: String,
}

#[derive(Deserialize, Default)]
struct Refresh {
    refresh_token: String,
}

fn failed(message: &str) -> Reply {
    Reply::json(StatusCode::UNAUTHORIZED, json!({ "error": message }))
        .with_header(hyper::header::WWW_AUTHENTICATE, SCHEME.challenge)
}

/// `POST /api/v01/auth/login`.
pub fn login(_: &mut FusionState, call: &mut Call<'_>) -> Result<Reply, FusionError> {
    let body: Login = call.body_as()?;
    let Some(desk) = call.auth else {
        return Ok(failed("sign-in is not available"));
    };
    if desk.users.verify(&body.username, &body.password).is_none() {
        return Ok(failed("Invalid username or password"));
    }
    let pair = desk.issue(
        &body.username,
        call.now_ms,
        call.settings.token_lifetime_secs,
    );
    Ok(Reply::json(
        StatusCode::OK,
        json!({ "access_token": pair.access_token, "refresh_token": pair.refresh_token }),
    ))
}

/// `POST /api/v01/auth/refresh`: trunkmock's design, see the contract.
pub fn refresh(_: &mut FusionState, call: &mut Call<'_>) -> Result<Reply, FusionError> {
    let body: Refresh = call.body_as()?;
    let Some(desk) = call.auth else {
        return Ok(failed("sign-in is not available"));
    };
    match desk.refresh(
        &body.refresh_token,
        call.now_ms,
        call.settings.token_lifetime_secs,
    ) {
        Ok(pair) => Ok(Reply::json(
            StatusCode::OK,
            json!({ "access_token": pair.access_token, "refresh_token": pair.refresh_token }),
        )),
        Err(p) => Ok(failed(p.message())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_match_the_document_role_strings() {
        let r = required_role("fusion_list_trunk_group_numbers").unwrap();
        let v = [Some("T1"), Some("S1"), Some("7")];
        assert!(grant_covers(&r, &r, &v));
        assert!(grant_covers(
            "tenants.T1.subscriptions.instance.trunkgroups.instance.numbers.list",
            &r,
            &v
        ));
        assert!(!grant_covers(
            "tenants.T2.subscriptions.instance.trunkgroups.instance.numbers.list",
            &r,
            &v
        ));
        assert!(grant_covers("tenants.T1.*", &r, &v));
        assert!(!grant_covers(
            "tenants.instance.subscriptions.instance.trunkgroups.list",
            &r,
            &v
        ));
        assert!(known_role(
            "tenants.T1.subscriptions.instance.trunkgroups.read"
        ));
        assert!(known_role("*"));
        assert!(!known_role(
            "tenants.instance.subscriptions.instance.trunkgroups.lsit"
        ));
    }
}
