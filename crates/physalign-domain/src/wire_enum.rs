//! Closed vocabularies that cross a crate, process or network boundary (API error codes, session
//! statuses, outbox kinds, audit resources) are enums whose text form is fixed once, here, for
//! JSON (serde), SQL columns (`as_str`, `FromStr`) and logs (`Display`) alike.

/// A text that names no variant of a [`wire_enum!`] type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    /// The enum parsed into, e.g. `SessionStatus`.
    pub kind: &'static str,
    /// The text that matched no variant.
    pub value: String,
}

/// Declares a fieldless enum whose every variant has one fixed text: serialised and
/// deserialised by serde as that text, returned by `as_str`, parsed by `FromStr` and shown by
/// `Display`; `ALL` lists the variants (for round-trip tests and schema checks).
///
/// ```
/// physalign_domain::wire_enum! {
///     /// A colour.
///     pub enum Colour {
///         /// Red.
///         Red = "red",
///         /// Light blue.
///         LightBlue = "light_blue",
///     }
/// }
/// assert_eq!(Colour::LightBlue.as_str(), "light_blue");
/// assert_eq!("red".parse::<Colour>(), Ok(Colour::Red));
/// ```
///
/// The calling crate must depend on `serde` (with `derive`).
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text stored in columns and sent on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::UnknownValue {
                        kind: stringify!($name),
                        value: text.to_owned(),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
