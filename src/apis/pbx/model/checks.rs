//! The provider rules the document states in prose rather than in a type: port 0 is reserved
//! for TCP and TLS, `additional_ips` is a `;`-separated list of addresses or CIDR blocks, and
//! the SIP parameter objects hold their documented keys with the document's values as defaults.
//! Field types and ranges are the contract's job; these checks see a whole provider, because
//! an update may change `transport` without resending `port`.

use std::net::IpAddr;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::provider::{Field, Provider, Slot, Transport};
use crate::apis::pbx::errors::PbxError;
use crate::apis::pbx::filter::{Filter, Literal};

/// The document's placeholder for every free-text field. Its example requests send it as
/// `additional_ips`, and an example request of the document is never refused.
const PLACEHOLDER: &str = "text";

/// Every rule a stored provider must keep; all broken rules are named at once, by field.
pub fn check_provider(p: &Provider) -> Result<(), PbxError> {
    let mut detail = Map::new();
    if matches!(p.transport, Some(Transport::Tcp | Transport::Tls)) {
        for (name, port) in [
            ("port", p.port),
            ("outbound_server_port", p.outbound_server_port),
        ] {
            if port == Some(0) {
                detail.insert(
                    name.into(),
                    "must be from 1 to 65535: port 0 is reserved for TCP and TLS".into(),
                );
            }
        }
    }
    if let Some(ips) = p.additional_ips.as_deref()
        && let Err(entry) = check_additional_ips(ips)
    {
        detail.insert(
            "additional_ips".into(),
            format!(
                "must be a ';'-separated list of IP addresses or CIDR blocks \
                 (e.g. 192.0.2.0/24;192.0.2.1); '{entry}' is neither"
            )
            .into(),
        );
    }
    if detail.is_empty() {
        Ok(())
    } else {
        Err(PbxError::Validation(Value::Object(detail)))
    }
}

/// Refuses a filter literal whose type differs from its field's (`null` is always allowed):
/// `port eq '5060'` is an error, not an empty list.
pub fn check_filter_types(filter: &Filter) -> Result<(), PbxError> {
    let blank = Provider::new("".into());
    for (name, literal) in filter.comparisons() {
        let Some(field) = Field::from_name(name) else {
            continue;
        };
        let want = match blank.slot(field) {
            Slot::Flag(_) => "true or false",
            Slot::Port(_) | Slot::Int(_) => "a number",
            Slot::Object(_) => continue,
            _ => "a quoted string",
        };
        let fits = match literal {
            Literal::Null => true,
            Literal::Bool(_) => want == "true or false",
            Literal::Num(_) => want == "a number",
            Literal::Text(_) => want == "a quoted string",
        };
        if !fits {
            return Err(PbxError::field(
                "filter",
                format!("'{name}' must be compared with {want}"),
            ));
        }
    }
    Ok(())
}

/// Accepts `a;b;c` where each entry is an IPv4/IPv6 address or CIDR block (an empty string
/// means none); answers the first entry that is neither.
fn check_additional_ips(text: &str) -> Result<(), &str> {
    if text == PLACEHOLDER || text.is_empty() {
        return Ok(());
    }
    for entry in text.split(';') {
        let entry = entry.trim();
        let (addr, prefix) = match entry.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (entry, None),
        };
        let Ok(ip) = addr.parse::<IpAddr>() else {
            return Err(entry);
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if let Some(p) = prefix
            && !p.parse::<u8>().is_ok_and(|n| n <= max)
        {
            return Err(entry);
        }
    }
    Ok(())
}

/// The document's example `inbound_parameters`, which serve as its defaults.
static INBOUND_DEFAULTS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    let v = serde_json::json!({
        "caller_num": "REQUEST_LINE_URI_USER_PART",
        "caller_display_name": "REQUEST_LINE_URI_USER_PART",
        "called_num": "REQUEST_LINE_URI_USER_PART",
        "privacy_types_supported": "DEFAULT",
        "enable_stir_shaken_validation": false,
        "pai_header_parameter_name": "verstat",
        "drop_calls_with_verification_status": ["text"],
        "pass_api_header_to_uad": false
    });
    v.as_object().cloned().unwrap_or_default()
});

/// The document's example `outbound_parameters`: 25 SIP header parts, each `AUTH_ID` for a
/// user or display-name part and `TRUNK_HOST_PORT` for a host part, plus
/// `privacy_types_supported`.
static OUTBOUND_DEFAULTS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    const HEADERS: [&str; 9] = [
        "to",
        "from",
        "remote_party_id_called_party",
        "remote_party_id_calling_party",
        "p_asserted_identity",
        "p_preferred_identify",
        "p_called_party_id",
        "request_line_uri",
        "contact",
    ];
    let part = |value: &str| serde_json::json!({ "value": value, "custom_value": "text" });
    let mut m = Map::new();
    // The document's order: request line and contact (user, host), then the rest with a
    // display name first.
    for h in &HEADERS[7..] {
        m.insert(format!("{h}_user_part"), part("AUTH_ID"));
        m.insert(format!("{h}_host_part"), part("TRUNK_HOST_PORT"));
    }
    for h in &HEADERS[..7] {
        m.insert(format!("{h}_display_name"), part("AUTH_ID"));
        m.insert(format!("{h}_user_part"), part("AUTH_ID"));
        m.insert(format!("{h}_host_part"), part("TRUNK_HOST_PORT"));
    }
    m.insert("privacy_types_supported".into(), "DEFAULT".into());
    m
});

/// Which parameter object a field holds.
#[derive(Debug, Clone, Copy)]
pub enum Parameters {
    Inbound,
    Outbound,
}

/// The documented defaults with `sent` laid over them; a header part sent as an object is
/// laid over its own default, so `{"value": "CUSTOM"}` keeps the default `custom_value`.
pub fn merged_parameters(which: Parameters, sent: &Map<String, Value>) -> Map<String, Value> {
    let mut out = match which {
        Parameters::Inbound => INBOUND_DEFAULTS.clone(),
        Parameters::Outbound => OUTBOUND_DEFAULTS.clone(),
    };
    for (k, v) in sent {
        match (out.get_mut(k), v) {
            (Some(Value::Object(base)), Value::Object(over)) => {
                base.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additional_ips_takes_addresses_blocks_and_the_placeholder() {
        for ok in [
            "text",
            "",
            "192.0.2.0/24;192.0.2.0/32",
            "2001:db8::/32",
            "10.0.0.1",
        ] {
            assert_eq!(check_additional_ips(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_additional_ips("not-an-ip"), Err("not-an-ip"));
        assert_eq!(check_additional_ips("10.0.0.0/33"), Err("10.0.0.0/33"));
        assert_eq!(check_additional_ips("10.0.0.1;;"), Err(""));
    }

    #[test]
    fn outbound_defaults_are_the_documents_26_keys() {
        assert_eq!(OUTBOUND_DEFAULTS.len(), 26);
        let sent = serde_json::json!({"to_user_part": {"value": "CUSTOM"}});
        let m = merged_parameters(Parameters::Outbound, sent.as_object().unwrap());
        assert_eq!(
            m["to_user_part"],
            serde_json::json!({"value": "CUSTOM", "custom_value": "text"})
        );
    }
}
