//! JWT claims (RFC 7519 §4): the registered ones typed, the rest kept as JSON.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// Seconds since the Unix epoch (RFC 7519 §2 "NumericDate").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct NumericDate(pub i64);

impl NumericDate {
    /// The date `seconds` later (saturating).
    pub fn plus(self, seconds: u64) -> Self {
        Self(self.0.saturating_add_unsigned(seconds))
    }
}

impl fmt::Display for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    /// A JSON number, integer or not (fractions are truncated toward the past). Strings and
    /// other types are refused: a string `exp` must not pass for a missing one.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NumberOnly;
        impl Visitor<'_> for NumberOnly {
            type Value = NumericDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NumericDate (a JSON number of seconds)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericDate, E> {
                Ok(NumericDate(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericDate, E> {
                i64::try_from(v)
                    .map(NumericDate)
                    .map_err(|_| E::custom("NumericDate out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumericDate, E> {
                // The range check keeps the cast exact; NaN fails it.
                if (-9.0e18..9.0e18).contains(&v) {
                    #[allow(clippy::cast_possible_truncation)]
                    Ok(NumericDate(v.floor() as i64))
                } else {
                    Err(E::custom("NumericDate out of range"))
                }
            }
        }
        d.deserialize_any(NumberOnly)
    }
}

/// The `aud` claim: one audience or several (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single string.
    One(String),
    /// An array of strings.
    Many(Vec<String>),
}

impl Audience {
    /// The audiences as a slice-like iterator.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many): (Option<&String>, &[String]) = match self {
            Self::One(a) => (Some(a), &[]),
            Self::Many(all) => (None, all),
        };
        one.into_iter().chain(many).map(String::as_str)
    }

    /// Whether `audience` is among them.
    pub fn contains(&self, audience: &str) -> bool {
        self.iter().any(|a| a == audience)
    }
}

/// A JWT claims set. Registered claims are typed; everything else stays in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Claims {
    /// `iss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `sub`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `exp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `nbf`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `iat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `jti`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Claims {
    /// The registered claim names, which `extra` must not shadow.
    pub const REGISTERED: [&'static str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

    /// Whether a claim named `name` is present, registered or not.
    pub fn has(&self, name: &str) -> bool {
        match name {
            "iss" => self.iss.is_some(),
            "sub" => self.sub.is_some(),
            "aud" => self.aud.is_some(),
            "exp" => self.exp.is_some(),
            "nbf" => self.nbf.is_some(),
            "iat" => self.iat.is_some(),
            "jti" => self.jti.is_some(),
            other => self.extra.contains_key(other),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    /// A string or an array of strings; anything else is refused.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;
        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience::One(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut all = Vec::new();
                while let Some(one) = seq.next_element::<String>()? {
                    all.push(one);
                }
                Ok(Audience::Many(all))
            }
        }
        d.deserialize_any(AudienceVisitor)
    }
}

impl<'de> Deserialize<'de> for Claims {
    /// One pass over the claims object: registered claims into their typed fields (a present
    /// claim of the wrong type — a string `exp`, a `null` `iss` — is an error, never "absent"),
    /// the rest into `extra`. Duplicate names are refused (RFC 7519 §4).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ClaimsVisitor;
        impl<'de> Visitor<'de> for ClaimsVisitor {
            type Value = Claims;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of claims")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Claims, A::Error> {
                fn once<T, E: de::Error>(
                    slot: &mut Option<T>,
                    value: T,
                    name: &str,
                ) -> Result<(), E> {
                    if slot.replace(value).is_some() {
                        return Err(E::custom(format!("duplicate claim {name:?}")));
                    }
                    Ok(())
                }
                let mut c = Claims::default();
                while let Some(ClaimName(name)) = map.next_key()? {
                    match name.as_ref() {
                        "iss" => once(&mut c.iss, map.next_value()?, "iss")?,
                        "sub" => once(&mut c.sub, map.next_value()?, "sub")?,
                        "aud" => once(&mut c.aud, map.next_value()?, "aud")?,
                        "exp" => once(&mut c.exp, map.next_value()?, "exp")?,
                        "nbf" => once(&mut c.nbf, map.next_value()?, "nbf")?,
                        "iat" => once(&mut c.iat, map.next_value()?, "iat")?,
                        "jti" => once(&mut c.jti, map.next_value()?, "jti")?,
                        _ => {
                            let value: Value = map.next_value()?;
                            match c.extra.entry(name.into_owned()) {
                                Entry::Vacant(slot) => {
                                    slot.insert(value);
                                }
                                Entry::Occupied(taken) => {
                                    return Err(de::Error::custom(format!(
                                        "duplicate claim {:?}",
                                        taken.key()
                                    )));
                                }
                            }
                        }
                    }
                }
                Ok(c)
            }
        }
        d.deserialize_map(ClaimsVisitor)
    }
}

/// A claim name, borrowed from the JSON when it has no escapes. `Cow<str>`'s own
/// `Deserialize` always allocates, which would cost an allocation per registered claim just
/// to match its name; only the names kept in `extra` need to be owned.
struct ClaimName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for ClaimName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = ClaimName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<ClaimName<'de>, E> {
                Ok(ClaimName(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ClaimName<'de>, E> {
                Ok(ClaimName(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ClaimName<'de>, E> {
                Ok(ClaimName(Cow::Owned(v)))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}
