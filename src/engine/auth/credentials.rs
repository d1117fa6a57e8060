//! The credentials a request carries, read from `Authorization` and `Cookie` the way the
//! family's scheme says.

use base64::Engine as _;
use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, COOKIE};

use super::AuthScheme;

/// What a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A token, from `Authorization: Bearer` or the scheme's cookie.
    Token(String),
    Basic {
        username: String,
        password: String,
    },
    /// An `Authorization` header the scheme cannot read (another scheme, bad base64): it is
    /// refused rather than ignored, so a client's mistake shows.
    Unreadable(String),
}

impl Credentials {
    /// `None`: the request carries nothing this scheme reads.
    pub fn from_headers(headers: &HeaderMap, scheme: &AuthScheme) -> Option<Self> {
        if let Some(value) = headers.get(AUTHORIZATION) {
            let text = value.to_str().unwrap_or("").trim();
            let (kind, rest) = text.split_once(' ').unwrap_or((text, ""));
            let rest = rest.trim();
            return Some(if kind.eq_ignore_ascii_case("bearer") && scheme.bearer {
                Credentials::Token(rest.to_string())
            } else if kind.eq_ignore_ascii_case("basic") && scheme.basic {
                decode_basic(rest).unwrap_or_else(|| {
                    Credentials::Unreadable(
                        "the Basic credentials are not base64 of user:password".into(),
                    )
                })
            } else {
                Credentials::Unreadable(format!(
                    "this API does not take {kind:?} credentials; it expects {}",
                    scheme.challenge
                ))
            });
        }
        let name = scheme.cookie?;
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| Credentials::Token(v.to_string()))
    }
}

fn decode_basic(encoded: &str) -> Option<Credentials> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (username, password) = text.split_once(':')?;
    Some(Credentials::Basic {
        username: username.to_string(),
        password: password.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: AuthScheme = AuthScheme {
        challenge: "Bearer",
        bearer: true,
        basic: true,
        cookie: Some("sessionid"),
        open_operations: &[],
    };

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn reads_bearer_basic_and_cookie() {
        let t = Credentials::from_headers(&headers(&[("authorization", "Bearer abc")]), &SCHEME);
        assert_eq!(t, Some(Credentials::Token("abc".into())));
        let b = Credentials::from_headers(
            &headers(&[("authorization", "Basic dXNlcjpwOnc=")]),
            &SCHEME,
        );
        assert_eq!(
            b,
            Some(Credentials::Basic {
                username: "user".into(),
                password: "p:w".into()
            })
        );
        let c = Credentials::from_headers(&headers(&[("cookie", "a=1; sessionid=xyz")]), &SCHEME);
        assert_eq!(c, Some(Credentials::Token("xyz".into())));
        assert_eq!(Credentials::from_headers(&HeaderMap::new(), &SCHEME), None);
    }

    #[test]
    fn another_scheme_is_unreadable_not_ignored() {
        let x = Credentials::from_headers(&headers(&[("authorization", "Digest x")]), &SCHEME);
        assert!(matches!(x, Some(Credentials::Unreadable(_))));
    }
}
