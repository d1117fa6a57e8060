//! JSON:API 1.0 content negotiation, checked before the request is validated:
//! - a `Content-Type` of `application/vnd.api+json` with media type parameters → 415;
//! - a request body (POST, PATCH) in any other media type, or without a `Content-Type` → 415;
//! - an `Accept` whose every `application/vnd.api+json` instance carries media type
//!   parameters → 406. The `q` weight and what follows it are accept parameters, not media
//!   type parameters (RFC 7231 §5.3.2), so `application/vnd.api+json;q=0.9` is acceptable.

use hyper::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use hyper::{HeaderMap, Method, StatusCode};

use super::errors::{ErrorObject, error_reply};
use super::jsonapi::MEDIA_TYPE;
use crate::engine::reply::Reply;

/// A media type split into its lower-case essence and its parameters before any `q`.
struct MediaRange {
    essence: String,
    params: Vec<String>,
}

fn parse_range(text: &str) -> MediaRange {
    let mut parts = text.split(';').map(str::trim);
    let essence = parts.next().unwrap_or("").to_ascii_lowercase();
    let params = parts
        .filter(|p| !p.is_empty())
        .take_while(|p| {
            !p.split('=')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("q")
        })
        .map(str::to_string)
        .collect();
    MediaRange { essence, params }
}

fn unsupported(detail: String) -> Reply {
    error_reply(&[ErrorObject::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
        detail,
    )])
}

/// Whether the request carries a body, judged from its headers (the body is read later).
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

// `Family::preflight` answers a `Reply` as its error; boxing it here would gain nothing.
#[allow(clippy::result_large_err)]
pub fn check(method: &Method, headers: &HeaderMap) -> Result<(), Reply> {
    let sends_document = *method == Method::POST || *method == Method::PATCH;
    match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(ct) => {
            let range = parse_range(ct);
            if range.essence == MEDIA_TYPE && !range.params.is_empty() {
                return Err(unsupported(format!(
                    "Content-Type {ct} carries media type parameters ({}); JSON:API requires plain {MEDIA_TYPE}.",
                    range.params.join("; ")
                )));
            }
            if sends_document && range.essence != MEDIA_TYPE {
                return Err(unsupported(format!(
                    "Content-Type {ct} is not accepted; send {MEDIA_TYPE}."
                )));
            }
        }
        None if sends_document && has_body(headers) => {
            return Err(unsupported(format!(
                "The request has a body but no Content-Type; send {MEDIA_TYPE}."
            )));
        }
        None => {}
    }
    let accept: Vec<MediaRange> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(parse_range)
        .filter(|r| r.essence == MEDIA_TYPE)
        .collect();
    if !accept.is_empty() && accept.iter().all(|r| !r.params.is_empty()) {
        return Err(error_reply(&[ErrorObject::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "Not acceptable",
            format!(
                "Every {MEDIA_TYPE} in Accept carries media type parameters; accept plain {MEDIA_TYPE}."
            ),
        )]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_and_later_parameters_are_not_media_type_parameters() {
        assert!(
            parse_range("application/vnd.api+json; q=0.5; foo=bar")
                .params
                .is_empty()
        );
        assert_eq!(
            parse_range("Application/VND.API+JSON;ext=x").params,
            vec!["ext=x"]
        );
        assert_eq!(
            parse_range("Application/VND.API+JSON;ext=x").essence,
            MEDIA_TYPE
        );
    }
}
