//! What every workflow's status is: an enum whose codes are exactly those of the table's CHECK constraint,
//! read from the database (an unknown code is an error, never a default), written back by its code, and
//! shown by its French label (`Display`). `domain::status::status_enum!` writes that for each workflow.

use std::fmt;

/// A code that is not one of the workflow's statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus(pub String);

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "statut inconnu : « {} »", self.0)
    }
}

impl std::error::Error for UnknownStatus {}

/// `status_enum! { pub enum Name { Variant = ("code", "French label"), … } }`: the enum, `as_str()` (the
/// stored code), `label()`, `ALL`, `FromStr` (and `TryFrom<&str>`) refusing unknown codes, `Display` in
/// French, the sqlx text mapping, so that rows decode into the enum and binds take it, and serde by code
/// (JSON columns of a page's one statement decode into it too).
macro_rules! status_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident = ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name { $($variant),+ }

        impl $name {
            /// Every status, in the workflow's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// (code, label) of every status, in the workflow's order: a filter's or a form's choices.
            pub const OPTIONS: &'static [(&'static str, &'static str)] = &[$(($code, $label)),+];

            /// The code the database stores (its CHECK constraint lists exactly these).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The French label, as a sentence starts.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::status::UnknownStatus;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    other => Err($crate::domain::status::UnknownStatus(other.to_owned())),
                }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = $crate::domain::status::UnknownStatus;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                code.parse().map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl ::sqlx::Type<::sqlx::Postgres> for $name {
            fn type_info() -> ::sqlx::postgres::PgTypeInfo {
                <&str as ::sqlx::Type<::sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &::sqlx::postgres::PgTypeInfo) -> bool {
                <&str as ::sqlx::Type<::sqlx::Postgres>>::compatible(ty)
            }
        }

        impl<'r> ::sqlx::Decode<'r, ::sqlx::Postgres> for $name {
            fn decode(
                value: ::sqlx::postgres::PgValueRef<'r>,
            ) -> Result<Self, ::sqlx::error::BoxDynError> {
                let code = <&str as ::sqlx::Decode<::sqlx::Postgres>>::decode(value)?;
                Ok(code.parse::<$name>()?)
            }
        }

        impl ::sqlx::Encode<'_, ::sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut ::sqlx::postgres::PgArgumentBuffer,
            ) -> Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                <&str as ::sqlx::Encode<::sqlx::Postgres>>::encode_by_ref(&self.as_str(), buf)
            }
        }
    };
}

pub(crate) use status_enum;
