//! Closed sets: every status, kind, role, decision, mode and verdict is an
//! enum whose wire form (its `code`) is the same in the JSON contract, in
//! the OpenAPI `enum`, and in the database column. [`closed_set!`] defines
//! one; [`ClosedSet`] is what generic code (query parsing, columns) needs.
use crate::validation::Invalid;

/// A closed set of string codes.
pub trait ClosedSet: Sized + Copy + PartialEq + std::fmt::Debug + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];

    /// The wire (and stored) form.
    fn as_str(self) -> &'static str;

    /// The value whose code is exactly `s`.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|x| x.as_str() == s)
    }

    /// The allowed codes, for error messages: `a, b, c`.
    fn allowed() -> String {
        let codes: Vec<&str> = Self::ALL.iter().map(|x| x.as_str()).collect();
        codes.join(", ")
    }

    /// Parses input (trimmed), or says which values are allowed
    /// (`invalid_value`).
    fn parse_field(s: &str) -> Result<Self, Invalid> {
        Self::parse(s.trim()).ok_or_else(|| {
            Invalid::new(
                "invalid_value",
                format!("must be one of {}", Self::allowed()),
            )
        })
    }
}

/// Defines a closed set: an enum with serde and OpenAPI forms equal to its
/// codes, `ALL`, `as_str`, `parse`, `parse_field` and `Display`.
///
/// ```
/// peerhub_domain::closed_set!(
///     /// How a meeting is held.
///     Mode { InPerson => "in_person", Online => "online" }
/// );
/// assert_eq!(Mode::parse("online"), Some(Mode::Online));
/// ```
#[macro_export]
macro_rules! closed_set {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $code:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, utoipa::ToSchema)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $variant),+ }

        impl $crate::closed::ClosedSet for $name {
            const ALL: &'static [$name] = &[$($name::$variant),+];

            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                <$name as $crate::closed::ClosedSet>::as_str(self)
            }

            pub fn parse(s: &str) -> Option<Self> {
                <$name as $crate::closed::ClosedSet>::parse(s)
            }

            /// Parses input or explains which values are allowed.
            pub fn parse_field(s: &str) -> Result<Self, $crate::validation::Invalid> {
                <$name as $crate::closed::ClosedSet>::parse_field(s)
            }
        }

        // Deserialised from a string only, so a value of another JSON type
        // (`true`, `5`) is a data error (422 `invalid_type`) rather than the
        // syntax error the derived enum deserialiser gives for it, and an
        // unknown code names the allowed ones.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Codes;
                impl serde::de::Visitor<'_> for Codes {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("one of: ", $($code, " "),+))
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        <$name>::parse(s).ok_or_else(|| E::unknown_variant(s, &[$($code),+]))
                    }
                }
                d.deserialize_str(Codes)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {

    crate::closed_set!(
        /// A test set.
        Colour { Red => "red", DarkBlue => "dark_blue", Green => "green" }
    );

    #[test]
    fn codes_round_trip_through_serde_and_parse() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *c);
        }
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(Colour::DarkBlue.to_string(), "dark_blue");
    }

    #[test]
    fn unknown_values_name_the_allowed_ones() {
        let e = Colour::parse_field("purple").unwrap_err();
        assert_eq!(e.code, "invalid_value");
        assert_eq!(e.message, "must be one of red, dark_blue, green");
        assert_eq!(Colour::parse_field(" green ").unwrap(), Colour::Green);
        let e = serde_json::from_str::<Colour>("\"purple\"").unwrap_err();
        assert!(e.is_data(), "{e}");
        assert!(e.to_string().contains("`red`, `dark_blue`, `green`"), "{e}");
        // another JSON type is a data error too (422, not 400)
        let e = serde_json::from_str::<Colour>("true").unwrap_err();
        assert!(e.is_data(), "{e}");
        let e = serde_json::from_str::<Colour>("{\"red\": 1}").unwrap_err();
        assert!(e.is_data(), "{e}");
    }
}
