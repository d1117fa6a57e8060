//! Over 400 lines: about 70 are unit tests; the code is one record and its field table.
//! One PBX provider as a typed record (pbx-providers.txt, "Create a provider").
//!
//! Every documented field is a struct field of a compact type, and `Option` where the field can
//! be blank: a client may send `null` on update, and a seeded provider may hold `null`. The
//! serde form is still a JSON object holding every field in the document's order (plus the
//! write-only `password`), so scenarios and `GET|PUT /__admin/state` read exactly as before.
//!
//! [`Field`] names a field; [`Provider::slot`] and [`Provider::slot_mut`] reach it by name
//! without a map, which is what writes, views, `filter`, `orderby` and `search` all go through.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use super::checks::{Parameters, merged_parameters};
use crate::apis::pbx::filter::{FieldValue, Record};

/// A string-valued enum of the document, kept as one byte and written as its text.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),* }

        impl $name {
            /// How a refusal describes the accepted values.
            const EXPECTED: &'static str = $what;

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

text_enum!(
    /// The trunk's transport protocol.
    Transport, "one of UDP, TCP, TLS" { Udp = "UDP", Tcp = "TCP", Tls = "TLS" }
);

text_enum!(
    /// How the trunk authenticates.
    AuthMode, "one of IP_AUTH, REGISTER_AUTH, ACCEPT_REGISTER, TEAMS, WHATS_APP" {
        IpAuth = "IP_AUTH",
        RegisterAuth = "REGISTER_AUTH",
        AcceptRegister = "ACCEPT_REGISTER",
        Teams = "TEAMS",
        WhatsApp = "WHATS_APP",
    }
);

/// Free text. A boxed `str` is two words where a `String` is three, and it never has spare
/// capacity, which matters when a suite keeps a hundred thousand providers.
type Text = Option<Box<str>>;
/// The nested parameter objects: kept as the client wrote them (the contract allows keys the
/// document does not list), boxed so a provider without them pays one word each.
type Object = Option<Box<Map<String, Value>>>;

/// A provider, every field of the document plus the write-only password.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Shared with the id index, so a create stores the id once.
    pub id: std::sync::Arc<str>,
    pub name: Text,
    pub enabled: Option<bool>,
    pub brand: Text,
    pub auth_mode: Option<AuthMode>,
    pub transport: Option<Transport>,
    pub hostname: Text,
    pub port: Option<u16>,
    pub auth_id: Text,
    pub username: Text,
    /// Write-only: kept in the state form, never in a view.
    pub password: Text,
    pub registration: Option<bool>,
    pub register_interval: Option<i32>,
    pub outbound_server: Text,
    pub outbound_server_port: Option<u16>,
    pub inlan: Option<bool>,
    pub single_via_header: Option<bool>,
    pub rewrite_via_ip: Option<bool>,
    pub verify_port: Option<bool>,
    pub keep_alive: Option<bool>,
    pub keep_alive_interval: Option<i32>,
    pub concurrency: Option<i32>,
    pub additional_ips: Text,
    pub adjust_sdp_direction: Option<bool>,
    pub remove_srtp_info: Option<bool>,
    pub stir_shaken_signature_required: Option<bool>,
    pub did_numbers: Text,
    pub inbound_parameters: Object,
    pub outbound_parameters: Object,
    pub shared: Option<bool>,
}

/// Generates [`Field`] (in the document's order) and the two by-name accessors from one list,
/// so a field cannot be added to one and forgotten in another.
macro_rules! provider_fields {
    ($($variant:ident $field:ident: $kind:ident),* $(,)?) => {
        /// A provider field, named as the document names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Field { $($variant),* }

        impl Field {
            /// Every field in the document's order, which is also the serde order.
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => stringify!($field)),* }
            }

            pub fn from_name(name: &str) -> Option<Field> {
                match name { $(stringify!($field) => Some(Field::$variant),)* _ => None }
            }
        }

        impl Provider {
            /// A field's value, borrowed.
            pub fn slot(&self, f: Field) -> Slot<'_> {
                match f { $(Field::$variant => Slot::$kind(&self.$field)),* }
            }

            fn slot_mut(&mut self, f: Field) -> SlotMut<'_> {
                match f { $(Field::$variant => SlotMut::$kind(&mut self.$field)),* }
            }
        }
    };
}

provider_fields! {
    Id id: Id,
    Name name: Text,
    Enabled enabled: Flag,
    Brand brand: Text,
    AuthMode auth_mode: AuthMode,
    Transport transport: Transport,
    Hostname hostname: Text,
    Port port: Port,
    AuthId auth_id: Text,
    Username username: Text,
    Password password: Text,
    Registration registration: Flag,
    RegisterInterval register_interval: Int,
    OutboundServer outbound_server: Text,
    OutboundServerPort outbound_server_port: Port,
    Inlan inlan: Flag,
    SingleViaHeader single_via_header: Flag,
    RewriteViaIp rewrite_via_ip: Flag,
    VerifyPort verify_port: Flag,
    KeepAlive keep_alive: Flag,
    KeepAliveInterval keep_alive_interval: Int,
    Concurrency concurrency: Int,
    AdditionalIps additional_ips: Text,
    AdjustSdpDirection adjust_sdp_direction: Flag,
    RemoveSrtpInfo remove_srtp_info: Flag,
    StirShakenSignatureRequired stir_shaken_signature_required: Flag,
    DidNumbers did_numbers: Text,
    InboundParameters inbound_parameters: Object,
    OutboundParameters outbound_parameters: Object,
    Shared shared: Flag,
}

/// One field of a provider, borrowed, tagged with its type.
#[derive(Debug, Clone, Copy)]
pub enum Slot<'a> {
    Id(&'a str),
    Text(&'a Text),
    Flag(&'a Option<bool>),
    Port(&'a Option<u16>),
    Int(&'a Option<i32>),
    Transport(&'a Option<Transport>),
    AuthMode(&'a Option<AuthMode>),
    Object(&'a Object),
}

enum SlotMut<'a> {
    Id(&'a mut std::sync::Arc<str>),
    Text(&'a mut Text),
    Flag(&'a mut Option<bool>),
    Port(&'a mut Option<u16>),
    Int(&'a mut Option<i32>),
    Transport(&'a mut Option<Transport>),
    AuthMode(&'a mut Option<AuthMode>),
    Object(&'a mut Object),
}

/// An integer however JSON spelled it (`5060` or `5060.0`), if it has no fraction.
fn integer(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

impl SlotMut<'_> {
    /// Stores `v`; `null` blanks the field. On a wrong type answers what was expected and
    /// leaves the field as it was.
    fn assign(self, v: &Value) -> Result<(), &'static str> {
        let text = || v.as_str().map(Box::from);
        if v.is_null() {
            return self.blank();
        }
        match self {
            SlotMut::Id(s) => *s = v.as_str().ok_or("a string")?.into(),
            SlotMut::Text(s) => *s = Some(text().ok_or("a string")?),
            SlotMut::Flag(s) => *s = Some(v.as_bool().ok_or("true or false")?),
            SlotMut::Port(s) => {
                let n = integer(v).and_then(|n| u16::try_from(n).ok());
                *s = Some(n.ok_or("an integer from 0 to 65535")?)
            }
            SlotMut::Int(s) => {
                let n = integer(v).and_then(|n| i32::try_from(n).ok());
                *s = Some(n.ok_or("an integer from -2147483648 to 2147483647")?)
            }
            SlotMut::Transport(s) => {
                let t = v.as_str().and_then(Transport::parse);
                *s = Some(t.ok_or(Transport::EXPECTED)?)
            }
            SlotMut::AuthMode(s) => {
                let m = v.as_str().and_then(AuthMode::parse);
                *s = Some(m.ok_or(AuthMode::EXPECTED)?)
            }
            SlotMut::Object(s) => *s = Some(Box::new(v.as_object().ok_or("an object")?.clone())),
        }
        Ok(())
    }

    fn blank(self) -> Result<(), &'static str> {
        match self {
            SlotMut::Id(_) => return Err("a string"),
            SlotMut::Text(s) => *s = None,
            SlotMut::Flag(s) => *s = None,
            SlotMut::Port(s) => *s = None,
            SlotMut::Int(s) => *s = None,
            SlotMut::Transport(s) => *s = None,
            SlotMut::AuthMode(s) => *s = None,
            SlotMut::Object(s) => *s = None,
        }
        Ok(())
    }
}

impl Serialize for Slot<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Slot::Id(v) => s.serialize_str(v),
            Slot::Text(v) => v.as_deref().serialize(s),
            Slot::Flag(v) => v.serialize(s),
            Slot::Port(v) => v.serialize(s),
            Slot::Int(v) => v.serialize(s),
            Slot::Transport(v) => v.map(Transport::as_str).serialize(s),
            Slot::AuthMode(v) => v.map(AuthMode::as_str).serialize(s),
            Slot::Object(v) => v.as_deref().serialize(s),
        }
    }
}

/// The documented default of a field; `null` where the document gives none.
pub fn default_of(f: Field) -> Value {
    match f {
        Field::Enabled
        | Field::Registration
        | Field::SingleViaHeader
        | Field::RewriteViaIp
        | Field::VerifyPort
        | Field::KeepAlive
        | Field::AdjustSdpDirection
        | Field::RemoveSrtpInfo => Value::Bool(true),
        Field::Inlan | Field::StirShakenSignatureRequired | Field::Shared => Value::Bool(false),
        Field::RegisterInterval => Value::from(600),
        Field::KeepAliveInterval => Value::from(360),
        _ => Value::Null,
    }
}

impl Provider {
    /// A provider with this id and every other field at its documented default.
    pub fn new(id: std::sync::Arc<str>) -> Self {
        Provider {
            id,
            name: None,
            enabled: Some(true),
            brand: None,
            auth_mode: None,
            transport: None,
            hostname: None,
            port: None,
            auth_id: None,
            username: None,
            password: None,
            registration: Some(true),
            register_interval: Some(600),
            outbound_server: None,
            outbound_server_port: None,
            inlan: Some(false),
            single_via_header: Some(true),
            rewrite_via_ip: Some(true),
            verify_port: Some(true),
            keep_alive: Some(true),
            keep_alive_interval: Some(360),
            concurrency: None,
            additional_ips: None,
            adjust_sdp_direction: Some(true),
            remove_srtp_info: Some(true),
            stir_shaken_signature_required: Some(false),
            did_numbers: None,
            inbound_parameters: None,
            outbound_parameters: None,
            shared: Some(false),
        }
    }

    /// Sets a field from JSON; `null` blanks it. Answers what was expected on a wrong type.
    pub fn set(&mut self, f: Field, v: &Value) -> Result<(), &'static str> {
        // The SIP parameter objects are stored whole: the document's defaults, with what was
        // sent laid over them.
        let which = match f {
            Field::InboundParameters => Some(Parameters::Inbound),
            Field::OutboundParameters => Some(Parameters::Outbound),
            _ => None,
        };
        if let (Some(which), Some(sent)) = (which, v.as_object()) {
            let merged = merged_parameters(which, sent);
            return self.slot_mut(f).assign(&Value::Object(merged));
        }
        self.slot_mut(f).assign(v)
    }

    /// Puts a field back to its documented default (what a blank field means in a request).
    pub fn reset(&mut self, f: Field) {
        // Defaults are always of the field's own type; the result cannot be an error.
        let _ = self.set(f, &default_of(f));
    }

    /// Writes `fields` (`len` of them) as one JSON object, in the order given.
    pub fn serialize_fields<S: serde::Serializer>(
        &self,
        s: S,
        fields: impl Iterator<Item = Field>,
        len: usize,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(len))?;
        for f in fields {
            map.serialize_entry(f.name(), &self.slot(f))?;
        }
        map.end()
    }
}

/// The state form: every field, password included.
impl Serialize for Provider {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize_fields(s, Field::ALL.iter().copied(), Field::ALL.len())
    }
}

/// What `filter`, `orderby` and `search` read: scalars, borrowed; anything else reads as null.
impl Record for Provider {
    fn field(&self, name: &str) -> FieldValue<'_> {
        let Some(f) = Field::from_name(name) else {
            return FieldValue::Null;
        };
        match self.slot(f) {
            Slot::Id(v) => FieldValue::Text(v),
            Slot::Text(v) => v.as_deref().map_or(FieldValue::Null, FieldValue::Text),
            Slot::Flag(v) => v.map_or(FieldValue::Null, FieldValue::Bool),
            Slot::Port(v) => v.map_or(FieldValue::Null, |n| FieldValue::Num(n.into())),
            Slot::Int(v) => v.map_or(FieldValue::Null, |n| FieldValue::Num(n.into())),
            Slot::Transport(v) => v.map_or(FieldValue::Null, |t| FieldValue::Text(t.as_str())),
            Slot::AuthMode(v) => v.map_or(FieldValue::Null, |m| FieldValue::Text(m.as_str())),
            Slot::Object(_) => FieldValue::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_new_provider_holds_exactly_the_documented_defaults() {
        let p = Provider::new("x".into());
        for f in Field::ALL.iter().copied().filter(|f| *f != Field::Id) {
            assert_eq!(
                serde_json::to_value(p.slot(f)).unwrap(),
                default_of(f),
                "{}",
                f.name()
            );
        }
    }

    #[test]
    fn names_round_trip_and_follow_the_document_order() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
        assert_eq!(Field::ALL.len(), 30);
        assert_eq!(Field::ALL[7].name(), "port");
        assert_eq!(Field::from_name("colour"), None);
    }

    #[test]
    fn set_checks_the_type_and_keeps_the_old_value_on_a_refusal() {
        let mut p = Provider::new("x".into());
        p.set(Field::Port, &json!(5060)).unwrap();
        assert_eq!(
            p.set(Field::Port, &json!(70000)),
            Err("an integer from 0 to 65535")
        );
        assert_eq!(
            p.set(Field::Port, &json!(-1)),
            Err("an integer from 0 to 65535")
        );
        assert_eq!(p.port, Some(5060));
        p.set(Field::Port, &json!(5070.0)).unwrap();
        assert_eq!(p.port, Some(5070));
        assert!(p.set(Field::Transport, &json!("SCTP")).is_err());
        p.set(Field::Transport, &json!("TLS")).unwrap();
        assert_eq!(
            serde_json::to_value(p.slot(Field::Transport)).unwrap(),
            "TLS"
        );
        assert_eq!(p.set(Field::Id, &Value::Null), Err("a string"));
        p.set(Field::Enabled, &Value::Null).unwrap();
        assert_eq!(p.enabled, None);
        p.reset(Field::Enabled);
        assert_eq!(p.enabled, Some(true));
    }

    #[test]
    fn the_record_view_reads_scalars_by_name() {
        let mut p = Provider::new("x".into());
        p.set(Field::Transport, &json!("UDP")).unwrap();
        assert_eq!(p.field("transport"), FieldValue::Text("UDP"));
        assert_eq!(p.field("register_interval"), FieldValue::Num(600.0));
        assert_eq!(p.field("brand"), FieldValue::Null);
        assert_eq!(p.field("inbound_parameters"), FieldValue::Null);
    }

    #[test]
    fn a_provider_is_a_few_hundred_bytes() {
        // The untyped map it replaces held ~5 KB per provider; keep the struct itself small.
        assert!(std::mem::size_of::<Provider>() <= 256);
    }
}
