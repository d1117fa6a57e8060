//! The HTTP edges every answer shares, the pipeline's and the admin API's: which session a
//! request names, reading a body within the limit, and turning a [`Reply`] into a response.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;
use hyper::header::CONTENT_LENGTH;
use hyper::{HeaderMap, Response, StatusCode};

use super::problem::{Problem, ProblemKind};
use super::reply::{Reply, ReplyBody};
use super::{DEFAULT_SESSION, SESSION_HEADER};

/// The session a request names (`X-Trunkmock-Session`), or the default one.
pub fn session_name(headers: &HeaderMap) -> &str {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_SESSION)
}

/// Reads a body up to `limit` bytes; past it, a 413 problem.
pub async fn read_body<B>(body: B, headers: &HeaderMap, limit: usize) -> Result<Bytes, Problem>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::PayloadTooLarge,
            format!("request body exceeds the limit of {limit} bytes"),
        )
    };
    if let Some(len) = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            ProblemKind::MalformedJson,
            format!("could not read the request body: {e}"),
        )),
    }
}

/// Turns a [`Reply`] into a hyper response.
pub fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let bytes = match &reply.body {
        ReplyBody::Empty => Bytes::new(),
        _ => reply.body_bytes(),
    };
    let mut resp = Response::new(Full::new(bytes));
    *resp.status_mut() = reply.status;
    *resp.headers_mut() = reply.headers;
    resp
}

/// Whether a request's `Accept` lets the family answer JSON: no header, `*/*`,
/// `application/*` or `application/json` (a range with `q=0` refuses).
pub fn accepts_json(headers: &HeaderMap) -> bool {
    let mut any = false;
    for value in headers.get_all(hyper::header::ACCEPT) {
        any = true;
        let text = String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase();
        for range in text.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if !refused && matches!(media, "*/*" | "application/*" | "application/json") {
                return true;
            }
        }
    }
    !any
}
