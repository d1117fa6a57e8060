//! Over 400 lines: the one list of codes plus its tests (docs-table check, problem rendering).
//! The fusion family's errors. Every refusal answers the vendor's shape
//! `{"code": <int>, "reason": "..."}`; [`Code`] is the one list of integer codes (the README's
//! table is written from it), [`FusionError`] the refusals handlers return with `?`.
//!
//! Code ranges: 1xxx request/engine problems, 2xxx tenants and subscriptions, 3xxx trunk groups,
//! 4xxx numbers, 6xxx access trunks, 7xxx peer trunks (API), 8xxx bulk jobs.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::engine::family::IntoReply;
use crate::engine::problem::{Problem, ProblemKind};
use crate::engine::reply::Reply;

/// Every integer code the fusion fake answers, with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Code {
    /// Parameters or body break the contract (or a field rule the contract cannot express).
    InvalidRequest = 1000,
    MalformedJson = 1001,
    UnsupportedMediaType = 1002,
    NotAcceptable = 1003,
    RouteNotFound = 1004,
    MethodNotAllowed = 1005,
    PayloadTooLarge = 1006,
    TooManySessions = 1007,
    /// "Uncatched error on server side".
    Internal = 1008,
    /// A fault rule whose vendor code is not a number.
    InjectedFault = 1009,
    /// "The API consumer doesn't have sufficient rights to perform this action" (only injected:
    /// the fake checks no roles).
    Forbidden = 1010,
    TenantNotFound = 2001,
    SubscriptionNotFound = 2002,
    /// With `any_parent`: a session holds at most so many tenants / subscriptions.
    ParentLimitReached = 2003,
    TrunkGroupNotFound = 3001,
    NoTrunkGroups = 3002,
    TrunkGroupNameTaken = 3003,
    PilotNotOnTrunkGroup = 3004,
    TrunkGroupHasNumbers = 3005,
    ExternalTrunkGroupNotDeletable = 3006,
    RegionNotAllowed = 3007,
    PeerTrunksNotAllowed = 3008,
    UnknownPop = 3009,
    PeerTrunkNotOnTrunkGroup = 3010,
    TypeChangeNotAllowed = 3011,
    ConflictingFields = 3012,
    TrunkGroupLimitReached = 3013,
    NoNumbersAdded = 4001,
    NoNumbersRemoved = 4002,
    NumberLimitReached = 4003,
    AccessTrunkNotFound = 6001,
    AccessTrunkPopMissing = 6002,
    AccessTrunkNeedsPeerAddress = 6003,
    AccessTrunkNeedsCredentials = 6004,
    InvalidAddress = 6005,
    AccessTrunksNotAllowed = 6006,
    AccessTrunkLimitReached = 6007,
    /// "A trunk group must have at least 1 ... access trunk": its last one cannot be deleted.
    LastAccessTrunk = 6008,
    PeerTrunkNotFound = 7001,
    PeerTrunkPopMissing = 7002,
    PeerTrunkLimitReached = 7003,
    /// The bulk history shows no job (only with `fusion.empty_list_404`).
    NoBulkHistory = 8001,
}

impl Code {
    /// Every code, for the check that the docs' tables list exactly these (a new variant
    /// goes here too, or that check cannot see it).
    pub const ALL: &[Code] = &[
        Code::InvalidRequest,
        Code::MalformedJson,
        Code::UnsupportedMediaType,
        Code::NotAcceptable,
        Code::RouteNotFound,
        Code::MethodNotAllowed,
        Code::PayloadTooLarge,
        Code::TooManySessions,
        Code::Internal,
        Code::InjectedFault,
        Code::Forbidden,
        Code::TenantNotFound,
        Code::SubscriptionNotFound,
        Code::ParentLimitReached,
        Code::TrunkGroupNotFound,
        Code::NoTrunkGroups,
        Code::TrunkGroupNameTaken,
        Code::PilotNotOnTrunkGroup,
        Code::TrunkGroupHasNumbers,
        Code::ExternalTrunkGroupNotDeletable,
        Code::RegionNotAllowed,
        Code::PeerTrunksNotAllowed,
        Code::UnknownPop,
        Code::PeerTrunkNotOnTrunkGroup,
        Code::TypeChangeNotAllowed,
        Code::ConflictingFields,
        Code::TrunkGroupLimitReached,
        Code::NoNumbersAdded,
        Code::NoNumbersRemoved,
        Code::NumberLimitReached,
        Code::AccessTrunkNotFound,
        Code::AccessTrunkPopMissing,
        Code::AccessTrunkNeedsPeerAddress,
        Code::AccessTrunkNeedsCredentials,
        Code::InvalidAddress,
        Code::AccessTrunksNotAllowed,
        Code::AccessTrunkLimitReached,
        Code::LastAccessTrunk,
        Code::PeerTrunkNotFound,
        Code::PeerTrunkPopMissing,
        Code::PeerTrunkLimitReached,
        Code::NoBulkHistory,
    ];

    pub fn number(self) -> u32 {
        self as u32
    }

    pub fn status(self) -> StatusCode {
        use Code::*;
        match self {
            InvalidRequest
            | MalformedJson
            | ParentLimitReached
            | TrunkGroupNameTaken
            | PilotNotOnTrunkGroup
            | TrunkGroupHasNumbers
            | ExternalTrunkGroupNotDeletable
            | RegionNotAllowed
            | PeerTrunksNotAllowed
            | UnknownPop
            | PeerTrunkNotOnTrunkGroup
            | TypeChangeNotAllowed
            | ConflictingFields
            | TrunkGroupLimitReached
            | NoNumbersAdded
            | NoNumbersRemoved
            | NumberLimitReached => StatusCode::BAD_REQUEST,
            AccessTrunkPopMissing
            | AccessTrunkNeedsPeerAddress
            | AccessTrunkNeedsCredentials
            | InvalidAddress
            | AccessTrunksNotAllowed
            | AccessTrunkLimitReached
            | LastAccessTrunk
            | PeerTrunkPopMissing
            | PeerTrunkLimitReached => StatusCode::BAD_REQUEST,
            AccessTrunkNotFound | PeerTrunkNotFound | NoBulkHistory => StatusCode::NOT_FOUND,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            RouteNotFound | TenantNotFound | SubscriptionNotFound | TrunkGroupNotFound
            | NoTrunkGroups => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            TooManySessions => StatusCode::TOO_MANY_REQUESTS,
            Internal | InjectedFault => StatusCode::INTERNAL_SERVER_ERROR,
            Forbidden => StatusCode::FORBIDDEN,
        }
    }
}

/// A refusal of the fusion API: each variant knows its code and words its reason.
#[derive(Debug, Clone, PartialEq)]
pub enum FusionError {
    /// A problem the engine found in the request (a body the handler's type cannot hold).
    Request(Box<Problem>),
    /// A field rule the contract cannot express (the message names the field).
    Invalid(String),
    TenantNotFound {
        draas_instance: String,
        uuid: String,
    },
    SubscriptionNotFound {
        uuid: String,
        subscription: i64,
    },
    ParentLimitReached(&'static str, usize),
    TrunkGroupNotFound(i64),
    /// The subscription has no trunk group (only with `fusion.empty_list_404`).
    NoTrunkGroups(i64),
    TrunkGroupNameTaken(String),
    PilotNotOnTrunkGroup(i64),
    TrunkGroupHasNumbers {
        id: i64,
        count: usize,
    },
    ExternalTrunkGroupNotDeletable(i64),
    RegionNotAllowed(String),
    PeerTrunksNotAllowed,
    UnknownPop(i64),
    PeerTrunkNotOnTrunkGroup(i64),
    TypeChangeNotAllowed {
        from: String,
        to: String,
    },
    ConflictingFields(&'static str, &'static str),
    TrunkGroupLimitReached(usize),
    /// Every number of the request was refused: `(number, why)` for each.
    NoNumbersAdded(Vec<(String, String)>),
    NoNumbersRemoved(Vec<i64>),
    NumberLimitReached(usize),
    AccessTrunkNotFound {
        trunk_group: i64,
        id: i64,
    },
    /// A create names no POP: neither `pops` nor `trunkingPopId` (or a `pops` entry without id).
    AccessTrunkPopMissing,
    /// Without `authRequired`, neither `primaryPeerIp` nor `ipWhitelist`.
    AccessTrunkNeedsPeerAddress,
    /// With `authRequired`, `authUsername` or `authPassword` is missing.
    AccessTrunkNeedsCredentials,
    InvalidAddress {
        field: &'static str,
        value: String,
    },
    /// Access trunks on a peer trunk group.
    AccessTrunksNotAllowed {
        trunk_group: i64,
        kind: String,
    },
    AccessTrunkLimitReached(usize),
    /// Deleting the only access trunk of a sip trunk group.
    LastAccessTrunk {
        trunk_group: i64,
        id: i64,
    },
    PeerTrunkNotFound {
        trunk_group: i64,
        id: i64,
    },
    PeerTrunkPopMissing,
    PeerTrunkLimitReached(usize),
    /// The bulk history of this kind (`trunk_groups`, ...) shows no job.
    NoBulkHistory(&'static str),
    /// "Uncatched error on server side" (a bulk item under `fusion.bulk_items_fail`).
    Uncaught,
}

impl FusionError {
    pub fn code(&self) -> Code {
        use FusionError as E;
        match self {
            E::Request(_) | E::Invalid(_) => Code::InvalidRequest,
            E::TenantNotFound { .. } => Code::TenantNotFound,
            E::SubscriptionNotFound { .. } => Code::SubscriptionNotFound,
            E::ParentLimitReached(..) => Code::ParentLimitReached,
            E::TrunkGroupNotFound(_) => Code::TrunkGroupNotFound,
            E::NoTrunkGroups(_) => Code::NoTrunkGroups,
            E::TrunkGroupNameTaken(_) => Code::TrunkGroupNameTaken,
            E::PilotNotOnTrunkGroup(_) => Code::PilotNotOnTrunkGroup,
            E::TrunkGroupHasNumbers { .. } => Code::TrunkGroupHasNumbers,
            E::ExternalTrunkGroupNotDeletable(_) => Code::ExternalTrunkGroupNotDeletable,
            E::RegionNotAllowed(_) => Code::RegionNotAllowed,
            E::PeerTrunksNotAllowed => Code::PeerTrunksNotAllowed,
            E::UnknownPop(_) => Code::UnknownPop,
            E::PeerTrunkNotOnTrunkGroup(_) => Code::PeerTrunkNotOnTrunkGroup,
            E::TypeChangeNotAllowed { .. } => Code::TypeChangeNotAllowed,
            E::ConflictingFields(..) => Code::ConflictingFields,
            E::TrunkGroupLimitReached(_) => Code::TrunkGroupLimitReached,
            E::NoNumbersAdded(_) => Code::NoNumbersAdded,
            E::NoNumbersRemoved(_) => Code::NoNumbersRemoved,
            E::NumberLimitReached(_) => Code::NumberLimitReached,
            E::AccessTrunkNotFound { .. } => Code::AccessTrunkNotFound,
            E::AccessTrunkPopMissing => Code::AccessTrunkPopMissing,
            E::AccessTrunkNeedsPeerAddress => Code::AccessTrunkNeedsPeerAddress,
            E::AccessTrunkNeedsCredentials => Code::AccessTrunkNeedsCredentials,
            E::InvalidAddress { .. } => Code::InvalidAddress,
            E::AccessTrunksNotAllowed { .. } => Code::AccessTrunksNotAllowed,
            E::AccessTrunkLimitReached(_) => Code::AccessTrunkLimitReached,
            E::LastAccessTrunk { .. } => Code::LastAccessTrunk,
            E::PeerTrunkNotFound { .. } => Code::PeerTrunkNotFound,
            E::PeerTrunkPopMissing => Code::PeerTrunkPopMissing,
            E::PeerTrunkLimitReached(_) => Code::PeerTrunkLimitReached,
            E::NoBulkHistory(_) => Code::NoBulkHistory,
            E::Uncaught => Code::Internal,
        }
    }

    pub fn reason(&self) -> String {
        use FusionError as E;
        match self {
            E::Request(p) => p.message.clone(),
            E::Invalid(m) => m.clone(),
            E::TenantNotFound {
                draas_instance,
                uuid,
            } => {
                format!("No tenant {uuid} found on DRaaS instance {draas_instance}")
            }
            E::SubscriptionNotFound { uuid, subscription } => {
                format!("No subscription {subscription} found for tenant {uuid}")
            }
            E::ParentLimitReached(what, max) => {
                format!(
                    "This fake holds at most {max} {what}; reset the session or use another one"
                )
            }
            E::TrunkGroupNotFound(id) => format!(
                "No trunk group found for the specified subscription and trunk group index {id}"
            ),
            E::NoTrunkGroups(sub) => {
                format!("No trunk group found for the specified subscription {sub}")
            }
            E::TrunkGroupNameTaken(name) => format!(
                "A trunk group named '{name}' already exists; the name must be unique within a subscription"
            ),
            E::PilotNotOnTrunkGroup(cid) => format!(
                "pilot {cid} is not the connectionId of a number attached to this trunk group"
            ),
            E::TrunkGroupHasNumbers { id, count } => format!(
                "Trunk group {id} still has {count} number(s) attached; disconnect them before deleting the trunk group"
            ),
            E::ExternalTrunkGroupNotDeletable(id) => {
                format!("Trunk group {id} is an external trunk group and cannot be deleted")
            }
            E::RegionNotAllowed(kind) => format!(
                "region is only allowed for trunk groups of type webexc or webexcc, not {kind}"
            ),
            E::PeerTrunksNotAllowed => {
                "peerTrunks are only allowed for peer trunk groups (type other than sip)".into()
            }
            E::UnknownPop(id) => format!("No POP with id {id}"),
            E::PeerTrunkNotOnTrunkGroup(id) => {
                format!("Peer trunk {id} does not belong to this trunk group")
            }
            E::TypeChangeNotAllowed { from, to } => format!(
                "A trunk group of type {from} cannot become {to}: sip and peer trunk groups do not convert into each other"
            ),
            E::ConflictingFields(a, b) => {
                format!(
                    "{a} and {b} name the same setting; give one of them, or the same value in both"
                )
            }
            E::TrunkGroupLimitReached(max) => {
                format!("A subscription holds at most {max} trunk groups")
            }
            E::NoNumbersAdded(refused) => {
                let list: Vec<String> = refused
                    .iter()
                    .map(|(n, why)| format!("{n}: {why}"))
                    .collect();
                format!("No phone number could be added: {}", list.join("; "))
            }
            E::NoNumbersRemoved(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(
                    "None of the connection IDs [{}] links a phone number to this trunk group",
                    list.join(", ")
                )
            }
            E::NumberLimitReached(max) => {
                format!("A trunk group holds at most {max} phone numbers")
            }
            E::AccessTrunkNotFound { trunk_group, id } => {
                format!("No access trunk {id} found for trunk group {trunk_group}")
            }
            E::AccessTrunkPopMissing => {
                "An access trunk needs a POP: give pops (each with an id) or trunkingPopId".into()
            }
            E::AccessTrunkNeedsPeerAddress => {
                "Authorization is not required, so primaryPeerIp or ipWhitelist is required".into()
            }
            E::AccessTrunkNeedsCredentials => {
                "Authorization is required, so authUsername and authPassword are required".into()
            }
            E::InvalidAddress { field, value } => {
                format!("{field}: '{value}' is not an IP address (or, in ipWhitelist, a network)")
            }
            E::AccessTrunksNotAllowed { trunk_group, kind } => format!(
                "Trunk group {trunk_group} is of type {kind}: access trunks are only for sip trunk groups (use peer trunks)"
            ),
            E::AccessTrunkLimitReached(max) => {
                format!("A trunk group holds at most {max} access trunks")
            }
            E::LastAccessTrunk { trunk_group, id } => format!(
                "Access trunk {id} is the last one of trunk group {trunk_group}: a trunk group must have at least 1 access trunk"
            ),
            E::PeerTrunkNotFound { trunk_group, id } => {
                format!("No peer trunk {id} found for trunk group {trunk_group}")
            }
            E::PeerTrunkPopMissing => "A peer trunk needs a POP: give pop.id".into(),
            E::PeerTrunkLimitReached(max) => {
                format!("A trunk group holds at most {max} peer trunks")
            }
            E::NoBulkHistory(kind) => format!("No {kind} bulk history found for this tenant"),
            E::Uncaught => "Uncatched error on server side".into(),
        }
    }
}

/// The vendor's error document.
pub fn error_body(code: u64, reason: &str) -> Value {
    json!({ "code": code, "reason": reason })
}

impl IntoReply for FusionError {
    fn into_reply(self) -> Reply {
        if let FusionError::Request(p) = &self {
            return render_problem(p);
        }
        let code = self.code();
        Reply::json(
            code.status(),
            error_body(code.number().into(), &self.reason()),
        )
    }
}

impl From<Problem> for FusionError {
    fn from(p: Problem) -> Self {
        Self::Request(Box::new(p))
    }
}

/// Renders an engine problem in the fusion shape.
pub fn render_problem(p: &Problem) -> Reply {
    let (status, code, reason) = match p.kind {
        ProblemKind::Validation => (
            p.status,
            Code::InvalidRequest.number().into(),
            p.message.clone(),
        ),
        ProblemKind::MalformedJson => (
            p.status,
            Code::MalformedJson.number().into(),
            p.message.clone(),
        ),
        ProblemKind::UnsupportedMediaType => simple(p, Code::UnsupportedMediaType),
        ProblemKind::NotAcceptable => simple(p, Code::NotAcceptable),
        ProblemKind::RouteNotFound => simple(p, Code::RouteNotFound),
        ProblemKind::MethodNotAllowed => simple(p, Code::MethodNotAllowed),
        ProblemKind::PayloadTooLarge => simple(p, Code::PayloadTooLarge),
        ProblemKind::TooManySessions => simple(p, Code::TooManySessions),
        ProblemKind::Internal => simple(p, Code::Internal),
        ProblemKind::Injected => {
            // A fault rule may name the vendor's integer code; a numeric string counts too.
            let number = match &p.vendor_code {
                Some(Value::Number(n)) => n.as_u64(),
                Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
                _ => None,
            };
            match (number, &p.vendor_code) {
                (Some(n), _) => (p.status, n, p.message.clone()),
                (None, Some(Value::String(s))) => (
                    p.status,
                    Code::InjectedFault.number().into(),
                    format!("{s}: {}", p.message),
                ),
                (None, _) => (
                    p.status,
                    Code::InjectedFault.number().into(),
                    p.message.clone(),
                ),
            }
        }
    };
    // The engine adds `Allow` to a 405 itself.
    Reply::json(status, error_body(code, &reason))
}

/// An engine problem with its own fusion code, answered with that code's status (e.g. 415 for a
/// wrong `Content-Type`, where the engine suggests 400).
fn simple(p: &Problem, code: Code) -> (StatusCode, u64, String) {
    (code.status(), code.number().into(), p.message.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error-code rows of a docs page: `| 2001 / 2002 | 404 | ... |` gives (2001, "404")
    /// and (2002, "404"). Rows answering 200 are the documented success codes of a bulk PUT.
    fn table_rows(page: &str) -> Vec<(u32, String)> {
        let mut rows = Vec::new();
        for line in page.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 4 || cells[2] == "200" {
                continue;
            }
            let codes: Option<Vec<u32>> = cells[1].split(" / ").map(|c| c.parse().ok()).collect();
            for code in codes.unwrap_or_default() {
                rows.push((code, cells[2].to_string()));
            }
        }
        rows
    }

    #[test]
    fn the_docs_error_tables_list_exactly_the_codes_and_statuses_of_the_enum() {
        let mut rows = table_rows(include_str!("../../../docs/fusion.md"));
        rows.extend(table_rows(include_str!("../../../docs/fusion2.md")));
        assert!(rows.len() > 20, "the tables were not found: {rows:?}");
        for (code, status) in &rows {
            let known = Code::ALL.iter().find(|c| c.number() == *code);
            let known = known.unwrap_or_else(|| panic!("docs list {code}, the enum does not"));
            // An injected fault answers with the fault's own status.
            if *known != Code::InjectedFault {
                assert_eq!(status, known.status().as_str(), "status of {code}");
            }
        }
        for c in Code::ALL {
            assert!(
                rows.iter().any(|(code, _)| *code == c.number()),
                "{c:?} ({}) is missing from the docs' error tables",
                c.number()
            );
        }
    }

    fn injected(vendor_code: Option<Value>) -> Value {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemKind::Injected,
            "maintenance",
        );
        p.vendor_code = vendor_code;
        let reply = render_problem(&p);
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        reply.json_body().cloned().unwrap()
    }

    #[test]
    fn an_injected_fault_uses_a_numeric_vendor_code_as_the_code() {
        assert_eq!(
            injected(Some(json!(4711))),
            json!({"code": 4711, "reason": "maintenance"})
        );
        assert_eq!(
            injected(Some(json!("4712"))),
            json!({"code": 4712, "reason": "maintenance"})
        );
    }

    #[test]
    fn an_injected_fault_without_a_numeric_code_answers_1009() {
        assert_eq!(
            injected(Some(json!("DOWN"))),
            json!({"code": 1009, "reason": "DOWN: maintenance"})
        );
        assert_eq!(
            injected(None),
            json!({"code": 1009, "reason": "maintenance"})
        );
    }

    #[test]
    fn every_engine_problem_answers_in_the_fusion_shape_with_its_code() {
        let cases = [
            (ProblemKind::RouteNotFound, 404, 1004),
            (ProblemKind::MethodNotAllowed, 405, 1005),
            (ProblemKind::MalformedJson, 400, 1001),
            (ProblemKind::UnsupportedMediaType, 415, 1002),
            (ProblemKind::NotAcceptable, 406, 1003),
            (ProblemKind::Validation, 400, 1000),
            (ProblemKind::PayloadTooLarge, 413, 1006),
            (ProblemKind::TooManySessions, 429, 1007),
            (ProblemKind::Internal, 500, 1008),
        ];
        for (kind, status, code) in cases {
            let reply = render_problem(&Problem::new(StatusCode::BAD_REQUEST, kind, "why"));
            assert_eq!(reply.status.as_u16(), status, "{kind:?}");
            assert_eq!(reply.json_body().unwrap()["code"], code, "{kind:?}");
            assert_eq!(reply.json_body().unwrap()["reason"], "why", "{kind:?}");
        }
    }
}
