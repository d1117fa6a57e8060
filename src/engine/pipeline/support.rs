//! What the pipeline's steps call on the way: the HTTP edges (`HEAD`, `OPTIONS`, CORS), the
//! response self-check, and the wording of routing and session refusals.

use super::*;

impl Engine {
    /// What HTTP asks of every answer whatever the family: a `HEAD` answer keeps the `GET`
    /// answer's status and headers (`Content-Length` included) and drops the body, and with
    /// `--cors` every answer says which origin may read it.
    pub(super) fn http_edges(&self, head: &Parts, mut reply: Reply) -> Reply {
        if self.config.cors {
            let origin = head
                .headers
                .get(ORIGIN)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("*")
                .to_string();
            reply = reply
                .with_header(ACCESS_CONTROL_ALLOW_ORIGIN, origin)
                .with_header(VARY, "Origin")
                .with_header(ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED_HEADERS);
        }
        if head.method == hyper::Method::HEAD {
            let len = reply.body_bytes().len();
            reply = reply.with_header(CONTENT_LENGTH, len.to_string());
            reply.body = ReplyBody::Empty;
        }
        reply
    }

    /// `OPTIONS` on a path that exists: 204 with `Allow`; with `--cors`, a CORS preflight
    /// answer too, echoing the origin and the headers the browser asks for.
    pub(super) fn options_reply(&self, head: &Parts, allow: &[String]) -> Reply {
        let allow = allow.join(", ");
        let mut reply = Reply::empty(StatusCode::NO_CONTENT).with_header(ALLOW, &allow);
        if self.config.cors {
            reply = reply
                .with_header(ACCESS_CONTROL_ALLOW_METHODS, &allow)
                .with_header(ACCESS_CONTROL_MAX_AGE, "600");
            if let Some(h) = head
                .headers
                .get(ACCESS_CONTROL_REQUEST_HEADERS)
                .and_then(|v| v.to_str().ok())
            {
                reply = reply.with_header(ACCESS_CONTROL_ALLOW_HEADERS, h);
            }
        }
        reply
    }

    /// The response self-check (`--verify-responses`): an answer that breaks its own contract
    /// becomes a loud 500 in the family's shape, naming the operation and the JSON pointers,
    /// so a client (and a test) never silently receives a body the contract says is impossible.
    /// Answers of users' fault rules are left alone: their bodies are whatever the rule says.
    pub(super) fn self_check(&self, operation: usize, reply: Reply) -> Reply {
        if !self.config.verify_responses {
            return reply;
        }
        let op = &self.contracts.operations[operation];
        let content_type = reply
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let body = reply.body_bytes();
        match op.check_response(reply.status.as_u16(), content_type, &body) {
            Ok(()) => reply,
            Err(message) => {
                tracing::error!(
                    target: "trunkmock::verify",
                    operation = %op.operation_id,
                    "answer breaks its contract: {message}"
                );
                let p = Problem::internal(format!(
                    "response self-check failed: the answer of {message}"
                ));
                self.render_problem(Some(self.targets[operation].family), &p)
            }
        }
    }

    /// For an unknown path, says so when the same path with a trailing slash exists.
    pub(super) fn slash_hint(&self, method: &hyper::Method, path: &str) -> Option<&'static str> {
        if path.ends_with('/') {
            return None;
        }
        match self.contracts.routes.lookup(method, &format!("{path}/")) {
            RouteLookup::NotFound => None,
            _ => Some("the URL must end with '/'"),
        }
    }

    /// The problem a session that cannot be had answers: 429 past `--max-sessions`, 500 for a
    /// scenario whose state does not load.
    pub(super) fn session_problem(&self, e: &SessionError) -> Problem {
        let message = self.describe_session_error(e);
        match e {
            SessionError::TooMany(_) => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                ProblemKind::TooManySessions,
                message,
            ),
            SessionError::State { .. } => Problem::internal(message),
        }
    }
}
