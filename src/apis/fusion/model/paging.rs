//! Paged lists as the fusion API answers them: `{"results","pages","page",<collection>,"next"?}`.
//!
//! A client asks for `page_size` records (default 10) and follows the opaque `next` token it
//! got back. The token is base64url text of `o=<offset>;s=<page size>;q=<query>`: opaque to a
//! client, but stateless for the fake, so it survives `GET|PUT /__admin/state` and never grows
//! memory. `q` is a fingerprint of the query the page answered (`search`, `sort`, `dir`,
//! `filters`, `withStatus`): a token sent with another query is refused, so page 2 of a filtered
//! list can never silently be page 2 of another list.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// The page size when a client gives none, as documented.
pub const DEFAULT_PAGE_SIZE: usize = 10;
/// The largest page the fake serves; the contract refuses more.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Which slice of a list a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: usize,
    pub size: usize,
    /// The fingerprint of the query this page answers (see [`query_fingerprint`]).
    pub query: u64,
}

/// A stable fingerprint (FNV-1a, 64 bits) of a list's query: every parameter but `next` and
/// `page_size`, in a canonical order.
pub fn query_fingerprint<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut pairs: Vec<(&str, &str)> = pairs
        .into_iter()
        .filter(|(k, _)| *k != "next" && *k != "page_size")
        .collect();
    pairs.sort_unstable();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in pairs {
        for byte in k.bytes().chain([0]).chain(v.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

impl PageRequest {
    /// A page from the client's `page_size` (already in range) and `next` token. An explicit
    /// `page_size` wins over the size remembered in the token, so a client may change its page
    /// size while scrolling.
    pub fn new(page_size: Option<usize>, next: Option<&str>, query: u64) -> Result<Self, String> {
        let (offset, remembered) = match next {
            Some(token) => {
                let (offset, size, handed_for) = decode_token(token)?;
                if handed_for != query {
                    return Err(format!(
                        "next token '{token}' was handed out for another query: send it with the \
                         same search, sort, dir, filters and withStatus as the page it came from"
                    ));
                }
                (offset, size)
            }
            None => (0, DEFAULT_PAGE_SIZE),
        };
        Ok(Self {
            offset,
            size: page_size.unwrap_or(remembered),
            query,
        })
    }
}

/// Encodes where the following page starts and the query it belongs to.
pub fn encode_token(offset: usize, size: usize, query: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("o={offset};s={size};q={query:016x}"))
}

fn decode_token(token: &str) -> Result<(usize, usize, u64), String> {
    let bad = || format!("next token '{token}' is not one this API handed out");
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = text.split(';');
    let mut field = |name: &str| {
        parts
            .next()
            .and_then(|p| p.strip_prefix(name))
            .map(str::to_string)
    };
    let offset = field("o=").and_then(|v| v.parse().ok()).ok_or_else(bad)?;
    let size = field("s=")
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
        .ok_or_else(bad)?;
    let query = field("q=")
        .and_then(|v| u64::from_str_radix(&v, 16).ok())
        .ok_or_else(bad)?;
    Ok((offset, size, query))
}

/// Cuts one page out of the full (already searched and sorted) list and wraps it in the
/// envelope, the items under `collection`. `page` counts from 1; an empty list is page 1 of 1.
pub fn page_envelope(all: Vec<Value>, req: PageRequest, collection: &str) -> Value {
    let results = all.len();
    let pages = results.div_ceil(req.size).max(1);
    let page = req.offset / req.size + 1;
    let end = req.offset.saturating_add(req.size).min(results);
    let items: Vec<Value> = all
        .into_iter()
        .skip(req.offset)
        .take(end.saturating_sub(req.offset))
        .collect();
    let mut out = Map::new();
    out.insert("results".into(), json!(results));
    out.insert("pages".into(), json!(pages));
    out.insert("page".into(), json!(page));
    if end < results {
        out.insert("next".into(), json!(encode_token(end, req.size, req.query)));
    }
    out.insert(collection.into(), Value::Array(items));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: usize) -> Vec<Value> {
        (1..=n).map(|i| json!(i)).collect()
    }

    #[test]
    fn defaults_to_ten_from_the_start() {
        let req = PageRequest::new(None, None, 0).unwrap();
        assert_eq!(
            req,
            PageRequest {
                offset: 0,
                size: 10,
                query: 0
            }
        );
    }

    #[test]
    fn next_token_walks_the_whole_list_once() {
        let mut seen = Vec::new();
        let mut req = PageRequest::new(Some(3), None, 7).unwrap();
        loop {
            let page = page_envelope(numbers(8), req, "items");
            assert_eq!(page["results"], 8);
            assert_eq!(page["pages"], 3);
            seen.extend(page["items"].as_array().unwrap().iter().cloned());
            match page.get("next").and_then(Value::as_str) {
                Some(t) => req = PageRequest::new(None, Some(t), 7).unwrap(),
                None => break,
            }
        }
        assert_eq!(seen, numbers(8));
    }

    #[test]
    fn page_number_follows_the_offset() {
        let req = PageRequest {
            offset: 6,
            size: 3,
            query: 0,
        };
        let page = page_envelope(numbers(8), req, "items");
        assert_eq!(page["page"], 3);
        assert!(page.get("next").is_none());
    }

    #[test]
    fn an_empty_list_is_page_one_of_one() {
        let page = page_envelope(
            Vec::new(),
            PageRequest {
                offset: 0,
                size: 10,
                query: 0,
            },
            "bulks",
        );
        assert_eq!(
            page,
            json!({"results": 0, "pages": 1, "page": 1, "bulks": []})
        );
    }

    #[test]
    fn a_forged_token_is_refused() {
        assert!(PageRequest::new(None, Some("hello"), 0).is_err());
        assert!(PageRequest::new(None, Some(""), 0).is_err());
        let zero = URL_SAFE_NO_PAD.encode("o=1;s=0;q=0000000000000000");
        assert!(PageRequest::new(None, Some(&zero), 0).is_err());
    }

    #[test]
    fn a_token_used_under_another_query_is_refused() {
        let searched = query_fingerprint([("search", "pepsi")]);
        let t = encode_token(2, 2, searched);
        assert!(PageRequest::new(None, Some(&t), searched).is_ok());
        let plain = query_fingerprint([("next", t.as_str()), ("page_size", "2")]);
        let e = PageRequest::new(None, Some(&t), plain).unwrap_err();
        assert!(e.contains("another query"), "{e}");
    }

    #[test]
    fn an_explicit_page_size_wins_over_the_token() {
        let t = encode_token(4, 2, 9);
        let req = PageRequest::new(Some(5), Some(&t), 9).unwrap();
        assert_eq!(
            req,
            PageRequest {
                offset: 4,
                size: 5,
                query: 9
            }
        );
    }
}
