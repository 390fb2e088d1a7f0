//! `wire_enum!`: an enum whose values travel as fixed strings (JSON, query strings, database
//! columns), each string written once beside its variant. Every variant gets `as_str`,
//! `parse` and `ALL`; serde and the OpenAPI schema use the same strings.

/// Defines a `Copy` enum with one wire string per variant.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:tt,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $wire)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's wire string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The value a wire string names; `None` for any other string.
            pub fn parse(raw: &str) -> Option<$name> {
                match raw {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        /// Read through [`Self::parse`], the one table of wire strings: serde's derived
        /// reader would add a second (and a third, for bytes) to every WebAssembly bundle.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&raw).ok_or_else(|| {
                    serde::de::Error::invalid_value(
                        serde::de::Unexpected::Str(&raw),
                        &concat!("a ", stringify!($name)),
                    )
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
