//! Sign-in, tokens and permissions, the engine's part: the modes, the scenario's users, the
//! credentials a request carries, and the per-session token book on the virtual clock.
//!
//! What a family adds (its scheme, its sign-in handlers, what each user may do) lives in
//! `apis/<family>/auth.rs`; the engine only asks the family for its [`AuthRules`] through
//! [`crate::engine::family::Family::auth`].

pub mod credentials;
pub mod step;
pub mod tokens;

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

pub use credentials::Credentials;
pub use tokens::{TokenBook, TokenPair, TokenProblem};

/// How strictly a family asks for credentials (`settings.<family>.auth_mode`, `--auth`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// No checks at all: every request is served, credentials are ignored.
    Off,
    /// A request without credentials is served as the family's first (seeded admin) user, so a
    /// bare `curl` works; a request that carries credentials has them checked.
    #[default]
    Optional,
    /// Every call must carry valid credentials, as on the real platforms.
    Required,
}

impl std::str::FromStr for AuthMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "off" => Ok(Self::Off),
            "optional" => Ok(Self::Optional),
            "required" => Ok(Self::Required),
            other => Err(format!(
                "unknown auth mode {other:?}: expected off, optional or required"
            )),
        }
    }
}

/// One user of a family, as a scenario's `auth.<family>.users[]` writes it. The fields a
/// family does not use must be absent; the family's `check_user` says which it needs.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuthUser {
    pub username: String,
    pub password: String,
    /// fusion: role strings as the document writes them; pbx: `admin`/`viewer`; operator:
    /// `admin`/`read`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// apio: the authorization level (`System`, `Tenant Admin`, `Group Admin`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// apio: the tenant the level is scoped to (absent for `System`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// apio: the group inside `tenant` a group-level user is scoped to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// pbx: the domain the user signs in to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// A scenario's `auth.<family>`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyUsers {
    #[serde(default)]
    pub users: Vec<AuthUser>,
}

impl FamilyUsers {
    pub fn find(&self, username: &str) -> Option<&AuthUser> {
        self.users.iter().find(|u| u.username == username)
    }

    /// The user a bare request is served as in `optional` mode: the first one listed.
    pub fn seeded_admin(&self) -> Option<&AuthUser> {
        self.users.first()
    }

    /// The user whose username and password match. A fake needs no constant-time compare:
    /// its passwords are test fixtures written in the scenario.
    pub fn verify(&self, username: &str, password: &str) -> Option<&AuthUser> {
        self.users
            .iter()
            .find(|u| u.username == username && u.password == password)
    }
}

/// A scenario's whole `auth` key: family name → its users.
pub type AuthSection = BTreeMap<String, FamilyUsers>;

/// A family's sign-in rules in one place: how clients present credentials, which scenario
/// users it accepts, and what each may do. A family names its rules with
/// [`crate::engine::family::Family::auth`].
pub struct AuthRules {
    pub scheme: AuthScheme,
    /// Checks one scenario user's family-specific fields (roles, level, scope); the error's
    /// pointer is relative to the user (`/roles/0`).
    pub check_user: fn(&AuthUser) -> Result<(), crate::engine::family::StateError>,
    /// Whether the user may make this attempt; `Err` carries the 403's wording.
    pub permits: fn(&AuthUser, &Attempt<'_>) -> Result<(), String>,
}

/// How a family's clients present credentials.
#[derive(Debug, Clone, Copy)]
pub struct AuthScheme {
    /// The `WWW-Authenticate` value of a 401 (`Bearer realm="fusion"`).
    pub challenge: &'static str,
    /// `Authorization: Bearer <token>` is read.
    pub bearer: bool,
    /// `Authorization: Basic` is checked against the users on every call.
    pub basic: bool,
    /// A cookie holding the same token as Bearer would.
    pub cookie: Option<&'static str>,
    /// Operations reachable without credentials (sign-in, refresh, logout).
    pub open_operations: &'static [&'static str],
}

/// What a permission check looks at: the operation and what the request names in its path,
/// query and body (apio's restricted parameters may come in either).
pub struct Attempt<'a> {
    pub operation_id: &'a str,
    pub path_params: &'a crate::engine::call::Pairs,
    pub query: &'a crate::engine::call::Pairs,
    pub body: &'a [u8],
}

/// The duplicate usernames of a family's users, as `(index, message)` for `file#pointer`.
pub fn duplicate_users(users: &FamilyUsers) -> Vec<(usize, String)> {
    let mut seen = HashSet::new();
    users
        .users
        .iter()
        .enumerate()
        .filter(|(_, u)| !seen.insert(u.username.as_str()))
        .map(|(i, u)| (i, format!("user {:?} is listed twice", u.username)))
        .collect()
}

/// What a sign-in handler reaches through its `Call`: the family's users and the session's
/// token book.
pub struct AuthDesk<'a> {
    pub family: &'static str,
    pub users: &'a FamilyUsers,
    pub tokens: &'a TokenBook,
}

impl AuthDesk<'_> {
    /// A new token pair for `username`, living `lifetime_secs` from `now_ms`.
    pub fn issue(&self, username: &str, now_ms: i64, lifetime_secs: u64) -> TokenPair {
        self.tokens
            .issue(self.family, username, now_ms, lifetime_secs)
    }

    /// A refresh token buys a new pair; the old pair is retired.
    pub fn refresh(
        &self,
        refresh_token: &str,
        now_ms: i64,
        lifetime_secs: u64,
    ) -> Result<TokenPair, TokenProblem> {
        self.tokens
            .refresh(self.family, refresh_token, now_ms, lifetime_secs)
    }

    /// Retires the pair an access token belongs to (logout); unknown tokens are ignored.
    pub fn revoke(&self, access_token: &str) {
        self.tokens.revoke(self.family, access_token);
    }
}

/// A session's side of sign-in: the users it started from (the blueprint's at creation or
/// reset, like its state) and the tokens it handed out.
#[derive(Default)]
pub struct SessionAuth {
    users: std::sync::RwLock<std::sync::Arc<AuthSection>>,
    pub tokens: TokenBook,
}

impl SessionAuth {
    pub fn new(users: &AuthSection) -> Self {
        Self {
            users: std::sync::RwLock::new(std::sync::Arc::new(users.clone())),
            tokens: TokenBook::default(),
        }
    }

    pub fn users(&self) -> std::sync::Arc<AuthSection> {
        self.users.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Back to the blueprint's users, with no token valid any more.
    pub fn reset(&self, users: &AuthSection) {
        *self.users.write().unwrap_or_else(|e| e.into_inner()) = std::sync::Arc::new(users.clone());
        self.tokens.clear();
    }
}

/// `trunkmock check` (and every start) on each file's `auth`: the family exists, no user is
/// listed twice, and the family accepts each user's roles, level and scope. One
/// `file#pointer: message` line per problem.
pub fn check_sources(
    sources: &[(String, AuthSection)],
    families: &[std::sync::Arc<dyn crate::engine::family::DynFamily>],
) -> Vec<String> {
    let mut errors = Vec::new();
    for (file, section) in sources {
        for (name, users) in section {
            let Some(family) = families.iter().find(|f| f.name() == name) else {
                errors.push(format!("{file}#/auth/{name}: no family named {name}"));
                continue;
            };
            for (i, message) in duplicate_users(users) {
                errors.push(format!("{file}#/auth/{name}/users/{i}/username: {message}"));
            }
            for (i, user) in users.users.iter().enumerate() {
                if let Err(e) = family.check_user(user) {
                    errors.push(format!(
                        "{file}#/auth/{name}/users/{i}{}: {}",
                        e.pointer, e.message
                    ));
                }
            }
        }
    }
    errors
}
