//! The apio family's errors. APIO answers 4xx with one of two bodies:
//!
//! - sub-errors, for refusals the vendor numbers:
//!   `{"errors":[{"code":19,"name":"NOT_AVAILABLE_FOR_ASSIGNMENT","message":"...","detail":"..."}]}`
//!   (`detail` says which entry was refused; there is one error object per refused entry);
//! - a `details` message for everything else: `{"details":"Trunk group X not found ..."}`,
//!   plus `fields` (field → reason) when the request broke the contract.
//!
//! Over 400 lines: most of it is the tests that pin the vendor wording of every error shape.

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use crate::engine::family::IntoReply;
use crate::engine::problem::{Problem, ProblemKind};
use crate::engine::reply::Reply;

/// The vendor's numbered sub-errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubCode {
    /// 19, for a number range that is not (exactly) one the tenant can hand out or take back.
    NumberRangeNotAvailable,
    /// 19, for a prefix that is not one the tenant can hand out or take back.
    PrefixNotAvailable,
    /// 46: immediate trunking connectivity does not exist for an Enterprise tenant.
    NotAvailableInEnterpriseMode,
}

impl SubCode {
    /// Every sub-error, for the check that the docs page's table lists them all.
    pub const ALL: [SubCode; 3] = [
        SubCode::NumberRangeNotAvailable,
        SubCode::PrefixNotAvailable,
        SubCode::NotAvailableInEnterpriseMode,
    ];

    pub fn code(self) -> u16 {
        match self {
            SubCode::NumberRangeNotAvailable | SubCode::PrefixNotAvailable => 19,
            SubCode::NotAvailableInEnterpriseMode => 46,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SubCode::NumberRangeNotAvailable | SubCode::PrefixNotAvailable => {
                "NOT_AVAILABLE_FOR_ASSIGNMENT"
            }
            SubCode::NotAvailableInEnterpriseMode => "NOT_AVAILABLE_IN_ENTERPRISE_MODE",
        }
    }

    /// The vendor's wording, word for word.
    pub fn message(self) -> &'static str {
        match self {
            SubCode::NumberRangeNotAvailable => {
                "The number range provided is not available to the groups of this Tenant."
            }
            SubCode::PrefixNotAvailable => {
                "The prefix provided is not available to the groups of this Tenant."
            }
            SubCode::NotAvailableInEnterpriseMode => {
                "This API is not available in Enterprise Mode."
            }
        }
    }

    /// The name of a numeric code, for fault rules that inject one.
    pub fn name_of(code: i64) -> Option<&'static str> {
        match code {
            19 => Some(SubCode::NumberRangeNotAvailable.name()),
            46 => Some(SubCode::NotAvailableInEnterpriseMode.name()),
            _ => None,
        }
    }
}

/// One refused entry: the sub-code and what exactly was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubError {
    pub code: SubCode,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApioError {
    /// A problem the engine found in the request (a body the handler's type cannot hold).
    Request(Box<Problem>),
    /// 404: unknown tenant, group or trunk group, or a service the group does not have.
    NotFound(String),
    /// 400 with a `details` message: a business rule or a conditional requirement.
    BadRequest(String),
    /// 400 with numbered sub-errors.
    Sub(Vec<SubError>),
}

impl ApioError {
    pub fn sub(code: SubCode, detail: impl Into<Option<String>>) -> Self {
        ApioError::Sub(vec![SubError {
            code,
            detail: detail.into(),
        }])
    }

    pub fn bad(message: impl Into<String>) -> Self {
        ApioError::BadRequest(message.into())
    }

    /// The HTTP status the error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApioError::Request(p) => p.status,
            ApioError::NotFound(_) => StatusCode::NOT_FOUND,
            ApioError::BadRequest(_) | ApioError::Sub(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// `{"details": message}`.
pub fn details_body(message: &str) -> Value {
    json!({ "details": message })
}

fn sub_errors_body(errors: &[SubError]) -> Value {
    let list: Vec<Value> = errors
        .iter()
        .map(|e| {
            let mut o = json!({
                "code": e.code.code(),
                "name": e.code.name(),
                "message": e.code.message(),
            });
            if let Some(d) = &e.detail {
                o["detail"] = Value::String(d.clone());
            }
            o
        })
        .collect();
    json!({ "errors": list })
}

impl IntoReply for ApioError {
    fn into_reply(self) -> Reply {
        let status = self.status();
        match self {
            ApioError::Request(p) => render_problem(&p),
            ApioError::NotFound(m) | ApioError::BadRequest(m) => {
                Reply::json(status, details_body(&m))
            }
            ApioError::Sub(errors) => Reply::json(status, sub_errors_body(&errors)),
        }
    }
}

impl From<Problem> for ApioError {
    fn from(p: Problem) -> Self {
        Self::Request(Box::new(p))
    }
}

/// Field → reason for a validation problem. The engine names an undocumented field itself
/// (not its parent object), so a client sees at once which key it mistyped.
fn fields_of(p: &Problem) -> Map<String, Value> {
    let mut fields = Map::new();
    for v in &p.violations {
        let name = v.field_name();
        let reason = plain_reason(&name, &v.message);
        fields.entry(name).or_insert(Value::String(reason));
    }
    fields
}

/// The engine says what a field must be in schema terms ("must match the pattern ^...$",
/// "must be true or false or an integer or one of: 0, 1"); for the fields the documents allow in
/// several forms or give a format, a client gets the document's own terms instead, every
/// allowed form listed. Other fields keep the engine's words.
fn plain_reason(field: &str, message: &str) -> String {
    // Schema violations of these fields are only ever about their form, so the document's
    // terms replace the engine's whatever it said.
    let leaf = field.rsplit('.').next().unwrap_or(field);
    let must = match leaf {
        "trunkGroupIdentity" => "must be a SIP URI without the sip: scheme (user@domain)",
        "capacityExceededForwardAddress"
        | "unreachableDestinationForwardAddress"
        | "callForwardingAlwaysForwardAddress"
        | "destination" => "must be a phone number (+ and digits) or a SIP URI (user@domain)",
        "limitIncomingCalls" | "limitOutgoingCalls" => "must be true, false, 1 or 0",
        "prefixEnabled" => "must be true, false, \"true\" or \"false\"",
        "capacityExceededRerouteTrunkGroup"
        | "unreachableDestinationRerouteTrunkGroup"
        | "callForwardingAlwaysRerouteTrunkGroup" => {
            "must be a trunk group name, a Trunk Group Key object ({\"name\"} with optional \
             \"tenantId\" and \"groupId\") or null"
        }
        "trunk" => {
            "must be a Trunk Group Key object ({\"name\"} with optional \"tenantId\" and \
             \"groupId\") or null"
        }
        // Any other field keeps the engine's words (they list every allowed value).
        _ => return message.to_string(),
    };
    must.to_string()
}

/// Renders an engine problem in the apio shape. A fault rule's numeric vendor code becomes a
/// sub-error (named when the code is one of ours); any other problem is a `details` message.
pub fn render_problem(p: &Problem) -> Reply {
    let body = match p.kind {
        ProblemKind::Validation => {
            let fields = fields_of(p);
            // The engine's sentence repeats each violation's own words: say it again in plain
            // words when a reason was rewritten.
            let rewritten = p
                .violations
                .iter()
                .any(|v| plain_reason(&v.field_name(), &v.message) != v.message);
            let message = if rewritten {
                let said: Vec<String> = p
                    .violations
                    .iter()
                    .map(|v| {
                        let name = v.field_name();
                        let reason = plain_reason(&name, &v.message);
                        format!("{name}: {reason}")
                    })
                    .collect();
                format!("request validation failed: {}", said.join("; "))
            } else {
                p.message.clone()
            };
            let mut body = details_body(&message);
            body["fields"] = Value::Object(fields);
            body
        }
        ProblemKind::UnsupportedMediaType => {
            let mut fields = Map::new();
            fields.insert(
                "Content-Type".into(),
                Value::String("must be application/json".into()),
            );
            json!({ "details": p.message, "fields": fields })
        }
        ProblemKind::Injected => match &p.vendor_code {
            Some(Value::Number(n)) if n.as_i64().is_some() => {
                let code = n.as_i64().unwrap_or_default();
                json!({ "errors": [{
                    "code": code,
                    "name": SubCode::name_of(code).unwrap_or("INJECTED_FAULT"),
                    "message": p.message,
                }] })
            }
            Some(Value::String(s)) => json!({ "details": p.message, "code": s }),
            Some(other) => json!({ "details": p.message, "code": other.to_string() }),
            None => details_body(&p.message),
        },
        ProblemKind::RouteNotFound
        | ProblemKind::MethodNotAllowed
        | ProblemKind::MalformedJson
        | ProblemKind::NotAcceptable
        | ProblemKind::PayloadTooLarge
        | ProblemKind::TooManySessions
        | ProblemKind::Internal => details_body(&p.message),
    };
    Reply::json(p.status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sub_error_carries_code_name_message_and_detail() {
        let reply =
            ApioError::sub(SubCode::NotAvailableInEnterpriseMode, Some("x".into())).into_reply();
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.json_body().unwrap(),
            &json!({"errors": [{"code": 46, "name": "NOT_AVAILABLE_IN_ENTERPRISE_MODE",
                "message": "This API is not available in Enterprise Mode.", "detail": "x"}]})
        );
    }

    #[test]
    fn an_undocumented_field_is_named_itself() {
        use crate::engine::contracts::UNDOCUMENTED;
        use crate::engine::problem::Violation;
        // The engine reports each undocumented member at its own pointer.
        let p = Problem::validation(vec![
            Violation::body("/a", UNDOCUMENTED),
            Violation::body("/b", UNDOCUMENTED),
            Violation::body("/pilotUserInfo/c", UNDOCUMENTED),
            Violation::body("/maxActiveCalls", "-1 is less than the minimum of 0"),
        ]);
        assert_eq!(
            Value::Object(fields_of(&p)),
            json!({"a": "is not a documented field", "b": "is not a documented field",
                   "pilotUserInfo.c": "is not a documented field",
                   "maxActiveCalls": "-1 is less than the minimum of 0"})
        );
    }

    #[test]
    fn an_injected_numeric_code_becomes_a_sub_error() {
        let mut p = Problem::new(StatusCode::BAD_REQUEST, ProblemKind::Injected, "boom");
        p.vendor_code = Some(json!(19));
        let reply = render_problem(&p);
        assert_eq!(
            reply.json_body().unwrap()["errors"][0]["name"],
            "NOT_AVAILABLE_FOR_ASSIGNMENT"
        );
        p.vendor_code = Some(json!("E1"));
        assert_eq!(
            render_problem(&p).json_body().unwrap(),
            &json!({"details": "boom", "code": "E1"})
        );
    }

    /// The rows of the docs page's error table (`| status | body | when |`), as
    /// `(statuses, body and when)`; `any` stands for every status.
    fn documented_rows() -> Vec<(Vec<String>, String)> {
        let page = include_str!("../../../docs/apio.md");
        page.lines()
            .skip_while(|l| !l.starts_with("| status | body | when |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let statuses = cells[1].split('/').map(|s| s.trim().to_string()).collect();
                (statuses, cells[2..].join(" | "))
            })
            .collect()
    }

    #[test]
    fn every_sub_error_is_in_the_docs_table_with_its_name_and_message() {
        let rows = documented_rows();
        assert!(!rows.is_empty(), "the docs page has no error table");
        for code in SubCode::ALL {
            let listed = format!("`errors[].code` {} `{}`", code.code(), code.name());
            assert!(
                rows.iter().any(|(statuses, text)| statuses == &["400"]
                    && text.contains(&listed)
                    && text.contains(code.message())),
                "docs/apio.md lacks a 400 row with {listed} and \"{}\"",
                code.message()
            );
        }
    }

    #[test]
    fn every_code_in_the_docs_table_is_one_the_family_answers() {
        for (_, text) in documented_rows() {
            for rest in text.split("`errors[].code` ").skip(1) {
                let code = rest.split_whitespace().next().unwrap_or_default();
                if code == "N" {
                    continue; // the injected-fault row: any number a fault rule gives
                }
                let name = rest.split('`').nth(1).unwrap_or_default();
                assert!(
                    SubCode::ALL
                        .iter()
                        .any(|c| c.code().to_string() == code && c.name() == name),
                    "docs/apio.md lists code {code} {name}, which SubCode does not have"
                );
            }
        }
    }

    /// One error of every kind. The `match` below stops compiling when a variant is added,
    /// so the list (and the docs check that reads it) cannot fall behind.
    fn one_of_each() -> Vec<ApioError> {
        let all = vec![
            ApioError::Request(Box::new(Problem::validation(vec![]))),
            ApioError::NotFound("x".into()),
            ApioError::bad("x"),
            ApioError::sub(SubCode::PrefixNotAvailable, None),
        ];
        for e in &all {
            match e {
                ApioError::Request(_)
                | ApioError::NotFound(_)
                | ApioError::BadRequest(_)
                | ApioError::Sub(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_status_is_documented_and_every_documented_status_is_answered() {
        let rows = documented_rows();
        let documented: Vec<&str> = rows
            .iter()
            .flat_map(|(s, _)| s.iter().map(String::as_str))
            .collect();
        let mut answered: Vec<StatusCode> = one_of_each().iter().map(ApioError::status).collect();
        for e in one_of_each() {
            assert_eq!(e.clone().into_reply().status, e.status());
        }
        // What the engine raises outside a handler and `render_problem` answers as is.
        answered.extend([
            Problem::route_not_found("GET", "/", None).status,
            Problem::method_not_allowed("GET", "/", vec![]).status,
            StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::TOO_MANY_REQUESTS,
            Problem::internal("x").status,
        ]);
        for status in &answered {
            assert!(
                documented.contains(&status.as_str()),
                "status {status} is answered but not in the docs table"
            );
        }
        for status in documented.iter().filter(|s| **s != "any") {
            assert!(
                answered.iter().any(|a| a.as_str() == *status),
                "docs/apio.md lists status {status}, which the family never answers"
            );
        }
    }
}
