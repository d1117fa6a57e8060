//! The value types of a trunk group's settings: how each reads a request (or seeded) value
//! and writes its answer. Small enums for the documented value lists and compact strings keep
//! a stored trunk group a few hundred bytes instead of a JSON map of every field.

use serde_json::{Map, Value};

/// One setting's type: its request form in, its answer form out.
pub trait SettingValue: Sized {
    /// `None`: the value does not have this setting's type.
    fn read(v: &Value) -> Option<Self>;
    /// `None`: unset, left out of the answer.
    fn write(&self) -> Option<Value>;
}

impl SettingValue for bool {
    fn read(v: &Value) -> Option<Self> {
        v.as_bool()
    }
    fn write(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

/// Every documented integer setting has a minimum of 0 or more.
impl SettingValue for u64 {
    fn read(v: &Value) -> Option<Self> {
        v.as_u64()
    }
    fn write(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
}

impl SettingValue for Box<str> {
    fn read(v: &Value) -> Option<Self> {
        v.as_str().map(Into::into)
    }
    fn write(&self) -> Option<Value> {
        Some(Value::String(self.to_string()))
    }
}

/// An optional setting: `null` unsets it.
impl<T: SettingValue> SettingValue for Option<T> {
    fn read(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::read(v).map(Some),
        }
    }
    fn write(&self) -> Option<Value> {
        self.as_ref().and_then(T::write)
    }
}

/// `limitIncomingCalls` / `limitOutgoingCalls`: documented as an integer, used as a flag, so
/// 1/0 are read as true/false.
pub fn read_number_flag(v: &Value) -> Option<bool> {
    match v {
        Value::Number(n) => Some(n.as_i64() != Some(0)),
        v => v.as_bool(),
    }
}

/// `prefixEnabled`: a boolean in the create table, a string in the update table.
pub fn read_text_flag(v: &Value) -> Option<bool> {
    match v {
        Value::String(s) => Some(s == "true"),
        v => v.as_bool(),
    }
}

/// A Trunk Group Key as stored: tenant and group default to the holder's own when absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkKey {
    pub tenant_id: Option<Box<str>>,
    pub group_id: Option<Box<str>>,
    pub name: Box<str>,
}

/// A reroute setting: the key object, or a bare trunk group name (the tables call the field a
/// string). Boxed: most trunk groups reroute nowhere, so an unset one costs a pointer.
impl SettingValue for Box<TrunkKey> {
    fn read(v: &Value) -> Option<Self> {
        let text = |v: Option<&Value>| -> Option<Option<Box<str>>> {
            match v {
                None => Some(None),
                Some(v) => v.as_str().map(|s| Some(s.into())),
            }
        };
        match v {
            Value::String(s) => Some(Box::new(TrunkKey {
                tenant_id: None,
                group_id: None,
                name: s.as_str().into(),
            })),
            Value::Object(o) => {
                let known = ["tenantId", "groupId", "name"];
                if o.keys().any(|k| !known.contains(&k.as_str())) {
                    return None;
                }
                Some(Box::new(TrunkKey {
                    tenant_id: text(o.get("tenantId"))?,
                    group_id: text(o.get("groupId"))?,
                    name: o.get("name")?.as_str()?.into(),
                }))
            }
            _ => None,
        }
    }
    fn write(&self) -> Option<Value> {
        let mut o = Map::new();
        if let Some(t) = &self.tenant_id {
            o.insert("tenantId".into(), Value::String(t.to_string()));
        }
        if let Some(g) = &self.group_id {
            o.insert("groupId".into(), Value::String(g.to_string()));
        }
        o.insert("name".into(), Value::String(self.name.to_string()));
        Some(Value::Object(o))
    }
}

/// A documented list of texts as a one-byte enum.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl SettingValue for $name {
            fn read(v: &Value) -> Option<Self> {
                match v.as_str()? {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
            fn write(&self) -> Option<Value> {
                Some(Value::String(self.as_str().into()))
            }
        }
    };
}

text_enum!(
    /// `capacityExceededAction`, `unreachableDestinationAction`, `callForwardingAlwaysAction`.
    RedirectAction { Forward => "Forward", Reroute => "Reroute", Nothing => "" }
);
text_enum!(
    /// Which calls use the pilot user's identity.
    CallsPolicy {
        AllOriginating => "All Originating Calls",
        UnscreenedOriginating => "Unscreened Originating Calls",
        NoCalls => "No Calls",
    }
);
text_enum!(
    /// Which calls carry the pilot user's asserted identity.
    AssertedIdentityPolicy {
        AllOriginating => "All Originating Calls",
        UnscreenedOriginating => "Unscreened Originating Calls",
    }
);
text_enum!(
    CallOptimizationPolicy {
        UserServices => "Optimize For User Services",
        HighCallVolume => "Optimize For High Call Volume",
    }
);
text_enum!(
    ClidSourcePolicy {
        ProfileNameProfileNumber => "Profile Name Profile Number",
        ReceivedNameProfileNumber => "Received Name Profile Number",
        ReceivedNameReceivedNumber => "Received Name Received Number",
    }
);
text_enum!(UserLookupPolicy { Basic => "Basic", Extended => "Extended" });
text_enum!(TrunkingMode { Normal => "normal", TeamsDr => "teamsDR" });

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_variants_collapse_into_one_stored_form() {
        assert_eq!(read_number_flag(&json!(1)), Some(true));
        assert_eq!(read_number_flag(&json!(0)), Some(false));
        assert_eq!(read_text_flag(&json!("false")), Some(false));
        let key = <Box<TrunkKey>>::read(&json!("T")).unwrap();
        assert_eq!(key.write(), Some(json!({"name": "T"})));
        let full = json!({"tenantId": "t", "groupId": "g", "name": "T"});
        assert_eq!(<Box<TrunkKey>>::read(&full).unwrap().write(), Some(full));
        assert!(<Box<TrunkKey>>::read(&json!({"name": "T", "x": 1})).is_none());
    }

    #[test]
    fn an_enum_reads_only_its_documented_texts() {
        assert_eq!(
            CallsPolicy::read(&json!("No Calls")),
            Some(CallsPolicy::NoCalls)
        );
        assert_eq!(AssertedIdentityPolicy::read(&json!("No Calls")), None);
        assert_eq!(
            RedirectAction::read(&json!("")),
            Some(RedirectAction::Nothing)
        );
        assert_eq!(<Option<u64>>::read(&json!(null)), Some(None));
        assert_eq!(u64::read(&json!(-1)), None);
    }
}
