//! Paged lists as the fusion API answers them: `{"results","pages","page",<collection>,"next"?}`.
//!
//! A client asks for `page_size` records (default 10) and follows the opaque `next` token it
//! got back. The token is base64url text of `o=<offset>;s=<page size>`: opaque to a client, but
//! stateless for the fake, so it survives `GET|PUT /__admin/state` and never grows memory.

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
}

impl PageRequest {
    /// A page from the client's `page_size` (already in range) and `next` token. An explicit
    /// `page_size` wins over the size remembered in the token, so a client may change its page
    /// size while scrolling.
    pub fn new(page_size: Option<usize>, next: Option<&str>) -> Result<Self, String> {
        let (offset, remembered) = match next {
            Some(token) => decode_token(token)?,
            None => (0, DEFAULT_PAGE_SIZE),
        };
        Ok(Self {
            offset,
            size: page_size.unwrap_or(remembered),
        })
    }
}

/// Encodes where the following page starts.
pub fn encode_token(offset: usize, size: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("o={offset};s={size}"))
}

fn decode_token(token: &str) -> Result<(usize, usize), String> {
    let bad = || format!("next token '{token}' is not one this API handed out");
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (o, s) = text.split_once(';').ok_or_else(bad)?;
    let offset = o
        .strip_prefix("o=")
        .and_then(|v| v.parse().ok())
        .ok_or_else(bad)?;
    let size = s
        .strip_prefix("s=")
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
        .ok_or_else(bad)?;
    Ok((offset, size))
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
        out.insert("next".into(), json!(encode_token(end, req.size)));
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
        let req = PageRequest::new(None, None).unwrap();
        assert_eq!(
            req,
            PageRequest {
                offset: 0,
                size: 10
            }
        );
    }

    #[test]
    fn next_token_walks_the_whole_list_once() {
        let mut seen = Vec::new();
        let mut req = PageRequest::new(Some(3), None).unwrap();
        loop {
            let page = page_envelope(numbers(8), req, "items");
            assert_eq!(page["results"], 8);
            assert_eq!(page["pages"], 3);
            seen.extend(page["items"].as_array().unwrap().iter().cloned());
            match page.get("next").and_then(Value::as_str) {
                Some(t) => req = PageRequest::new(None, Some(t)).unwrap(),
                None => break,
            }
        }
        assert_eq!(seen, numbers(8));
    }

    #[test]
    fn page_number_follows_the_offset() {
        let req = PageRequest { offset: 6, size: 3 };
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
        assert!(PageRequest::new(None, Some("hello")).is_err());
        assert!(PageRequest::new(None, Some("")).is_err());
        let zero = URL_SAFE_NO_PAD.encode("o=1;s=0");
        assert!(PageRequest::new(None, Some(&zero)).is_err());
    }

    #[test]
    fn an_explicit_page_size_wins_over_the_token() {
        let t = encode_token(4, 2);
        let req = PageRequest::new(Some(5), Some(&t)).unwrap();
        assert_eq!(req, PageRequest { offset: 4, size: 5 });
    }
}
