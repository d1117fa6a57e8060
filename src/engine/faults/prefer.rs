//! `Prefer: code=404` and `Prefer: delay=250` (Prism's convention, RFC 7240 syntax): a client
//! asks for one answer on one request without writing a rule. Preferences may come in one
//! header (`code=404, delay=250`) or several; unknown ones (`return=minimal`) are ignored.

use hyper::HeaderMap;
use hyper::header::HeaderName;

use super::delay::MAX_DELAY_MS;

pub static PREFER: HeaderName = HeaderName::from_static("prefer");
pub static PREFERENCE_APPLIED: HeaderName = HeaderName::from_static("preference-applied");

/// What a request's `Prefer` headers ask of the fake.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Preference {
    pub code: Option<u16>,
    pub delay_ms: Option<u64>,
}

impl Preference {
    /// The preferences of a request; `Ok(None)` when it asks for neither code nor delay, and
    /// `Err` with a sentence when a value cannot be honoured.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Preference>, String> {
        let mut pref = Preference::default();
        for value in headers.get_all(&PREFER) {
            let text = String::from_utf8_lossy(value.as_bytes());
            for item in text.split([',', ';']) {
                let Some((name, v)) = item.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match name.trim().to_ascii_lowercase().as_str() {
                    "code" => match v.parse::<u16>() {
                        Ok(c) if (100..=599).contains(&c) => pref.code = Some(c),
                        _ => return Err(format!("code={v} is not an HTTP status (100..=599)")),
                    },
                    "delay" => match v.parse::<u64>() {
                        Ok(ms) if ms <= MAX_DELAY_MS => pref.delay_ms = Some(ms),
                        _ => {
                            return Err(format!(
                                "delay={v} must be a whole number of milliseconds in 0..={MAX_DELAY_MS}"
                            ));
                        }
                    },
                    _ => {}
                }
            }
        }
        Ok((pref != Preference::default()).then_some(pref))
    }

    /// The `Preference-Applied` value for what was honoured.
    pub fn applied(&self, code_honoured: bool) -> Option<String> {
        let mut parts = Vec::new();
        if let (Some(c), true) = (self.code, code_honoured) {
            parts.push(format!("code={c}"));
        }
        if let Some(d) = self.delay_ms {
            parts.push(format!("delay={d}"));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<Option<Preference>, String> {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(&PREFER, v.parse().unwrap());
        }
        Preference::from_headers(&h)
    }

    #[test]
    fn code_and_delay_combine_in_one_header_or_several() {
        let both = Some(Preference {
            code: Some(404),
            delay_ms: Some(250),
        });
        assert_eq!(parse(&["code=404, delay=250"]), Ok(both));
        assert_eq!(parse(&["code=404", "delay=\"250\""]), Ok(both));
        assert_eq!(parse(&["return=minimal; code=404; delay=250"]), Ok(both));
    }

    #[test]
    fn other_preferences_are_ignored_and_bad_values_refused() {
        assert_eq!(parse(&["return=minimal"]), Ok(None));
        assert!(parse(&["code=abc"]).is_err());
        assert!(parse(&["delay=60001"]).is_err());
    }
}
