//! Reading closed sets and JSON values back from their columns. A stored value that does not
//! decode is an error (500, logged), never a default: a status the code does
//! not know must not be mistaken for one it does.
use std::marker::PhantomData;

use peerhub_domain::closed::ClosedSet;

use crate::error::Failure;

/// Decodes the stored code of a closed set; `what` names the column for
/// the log (`"match.status"`).
pub fn decode<T: ClosedSet>(what: &'static str, raw: &str) -> Result<T, Failure> {
    T::parse(raw).ok_or_else(|| {
        Failure::internal(format!(
            "stored {what} {raw:?} is not one of {}",
            T::allowed()
        ))
    })
}

/// Decodes a stored JSON column; `what` names it for the log. A value that
/// does not decode is an error (500), never a default: an empty rule set
/// would admit everyone, empty exclusions would switch safeguarding off.
pub fn decode_json<T: serde::de::DeserializeOwned + serde::Serialize>(
    what: &'static str,
    raw: &str,
) -> Result<T, Failure> {
    serde_json::from_str::<serde_json::Value>(raw)
        .map_err(|e| e.to_string())
        .and_then(|v| from_value(&v))
        .map_err(|e| Failure::internal(format!("stored {what} does not decode: {e}")))
}

/// Decodes a stored JSON value strictly: besides what serde checks, the
/// value must have the shape the type writes. serde accepts an array for a
/// struct (filling missing fields with their defaults), so without this a
/// stored `[]` would read as "no eligibility rules" or "no safeguarding
/// constraints". Keys the stored value lacks are fine (older rows, fields
/// with defaults); a key or element of another JSON type is not.
fn from_value<T: serde::de::DeserializeOwned + serde::Serialize>(
    v: &serde_json::Value,
) -> Result<T, String> {
    let t = T::deserialize(v).map_err(|e| e.to_string())?;
    let written = serde_json::to_value(&t).map_err(|e| e.to_string())?;
    if same_shape(v, &written) {
        Ok(t)
    } else {
        Err("stored value does not have the shape of its type".into())
    }
}

/// True when `stored` has the JSON types of `written` wherever both have a
/// value (null counts as absent).
fn same_shape(stored: &serde_json::Value, written: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match (stored, written) {
        (V::Null, _) | (_, V::Null) => true,
        (V::Object(a), V::Object(b)) => a
            .iter()
            .all(|(k, x)| b.get(k).is_none_or(|y| same_shape(x, y))),
        (V::Array(a), V::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_shape(x, y))
        }
        (V::String(_), V::String(_)) | (V::Number(_), V::Number(_)) | (V::Bool(_), V::Bool(_)) => {
            true
        }
        _ => false,
    }
}

/// A JSON column, typed by what it holds (`Json<Vec<String>>`,
/// `Json<Constraints>`). Stored as `jsonb` on PostgreSQL and as JSON text
/// on SQLite (docs/decisions.md, "Typed JSON columns").
///
/// Reading a row never fails on the value: the entity keeps what was
/// stored, and [`Json::decode`] turns it into a `T` with the column name
/// and the row id at hand, so a value that does not decode is logged with
/// both and answered with a 500. It never becomes a default.
pub struct Json<T> {
    raw: Raw,
    _of: PhantomData<fn() -> T>,
}

/// What a JSON column held when it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Raw {
    Value(serde_json::Value),
    /// Text that is not JSON at all (only possible on SQLite, where the
    /// column is TEXT): kept so the error can say so.
    NotJson(String),
}

impl<T> Json<T> {
    /// Writes `value` (serialising the types stored here cannot fail; if
    /// one ever did, the write fails rather than storing a default).
    pub fn encode(value: &T) -> Result<Self, Failure>
    where
        T: serde::Serialize,
    {
        serde_json::to_value(value)
            .map(Self::from_value)
            .map_err(|e| Failure::internal(format!("a JSON value does not encode: {e}")))
    }

    /// A value as it would be stored, not checked against `T` (for seed
    /// data and benches; reading it back goes through [`Json::decode`]).
    pub fn from_raw(v: serde_json::Value) -> Self {
        Self::from_value(v)
    }

    fn from_value(v: serde_json::Value) -> Self {
        Self {
            raw: Raw::Value(v),
            _of: PhantomData,
        }
    }

    /// The stored value, decoded. `what` names the column
    /// (`"users.registers"`) and `id` the row, for the log.
    pub fn decode(&self, what: &'static str, id: &str) -> Result<T, Failure>
    where
        T: serde::de::DeserializeOwned + serde::Serialize,
    {
        let fail = |e: String| {
            tracing::error!(column = what, row = id, error = %e, "stored JSON does not decode");
            Failure::internal(format!("stored {what} of {id} does not decode: {e}"))
        };
        match &self.raw {
            Raw::Value(v) => from_value(v).map_err(fail),
            Raw::NotJson(text) => Err(fail(format!(
                "not JSON ({} characters)",
                text.chars().count()
            ))),
        }
    }

    /// The stored JSON as is (for exports and tests).
    pub fn raw(&self) -> Option<&serde_json::Value> {
        match &self.raw {
            Raw::Value(v) => Some(v),
            Raw::NotJson(_) => None,
        }
    }
}

impl Json<Vec<String>> {
    /// A list of strings (cannot fail).
    pub fn strings(items: &[String]) -> Self {
        Self::from_value(serde_json::Value::Array(
            items
                .iter()
                .cloned()
                .map(serde_json::Value::String)
                .collect(),
        ))
    }
}

impl<T> Clone for Json<T> {
    fn clone(&self) -> Self {
        Self {
            raw: self.raw.clone(),
            _of: PhantomData,
        }
    }
}

impl<T> PartialEq for Json<T> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl<T> Eq for Json<T> {}

impl<T> std::fmt::Debug for Json<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.raw {
            Raw::Value(v) => write!(f, "Json({v})"),
            Raw::NotJson(t) => write!(f, "Json(not JSON: {t:?})"),
        }
    }
}

impl<T> From<Json<T>> for sea_orm::Value {
    fn from(j: Json<T>) -> Self {
        let v = match j.raw {
            Raw::Value(v) => v,
            Raw::NotJson(t) => serde_json::Value::String(t),
        };
        sea_orm::Value::Json(Some(Box::new(v)))
    }
}

impl<T> sea_orm::TryGetable for Json<T> {
    fn try_get_by<I: sea_orm::ColIdx>(
        res: &sea_orm::QueryResult,
        index: I,
    ) -> Result<Self, sea_orm::TryGetError> {
        match <serde_json::Value as sea_orm::TryGetable>::try_get_by(res, index) {
            Ok(v) => Ok(Self::from_value(v)),
            Err(sea_orm::TryGetError::Null(c)) => Err(sea_orm::TryGetError::Null(c)),
            // TEXT that is not JSON (SQLite): keep it, `decode` reports it
            // with the row id.
            Err(e) => match <String as sea_orm::TryGetable>::try_get_by(res, index) {
                Ok(text) => Ok(Self {
                    raw: Raw::NotJson(text),
                    _of: PhantomData,
                }),
                Err(_) => Err(e),
            },
        }
    }
}

impl<T> sea_orm::sea_query::ValueType for Json<T> {
    fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
        match v {
            sea_orm::Value::Json(Some(v)) => Ok(Self::from_value(*v)),
            _ => Err(sea_orm::sea_query::ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "Json".to_owned()
    }

    fn array_type() -> sea_orm::sea_query::ArrayType {
        sea_orm::sea_query::ArrayType::Json
    }

    fn column_type() -> sea_orm::sea_query::ColumnType {
        sea_orm::sea_query::ColumnType::JsonBinary
    }
}

impl<T> sea_orm::sea_query::Nullable for Json<T> {
    fn null() -> sea_orm::Value {
        sea_orm::Value::Json(None)
    }
}

impl<T> sea_orm::sea_query::postgres_array::NotU8 for Json<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use peerhub_domain::community::MembershipStatus;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Rules {
        #[serde(default)]
        exclude: bool,
        #[serde(default)]
        names: Vec<String>,
    }

    #[test]
    fn an_array_is_not_read_as_a_struct_of_defaults() {
        assert!(decode_json::<Rules>("rules", "[]").is_err());
        assert!(decode_json::<Rules>("rules", "[true]").is_err());
        assert!(decode_json::<Vec<Rules>>("rules", "[[]]").is_err());
        assert!(decode_json::<Rules>("rules", r#"{"names": "x"}"#).is_err());
    }

    #[test]
    fn missing_keys_still_take_their_defaults() {
        assert_eq!(
            decode_json::<Rules>("rules", r#"{"names": ["a"]}"#).unwrap(),
            Rules {
                exclude: false,
                names: vec!["a".into()]
            }
        );
        assert_eq!(decode_json::<Option<Rules>>("rules", "null").unwrap(), None);
    }

    #[test]
    fn unknown_stored_values_are_errors_not_defaults() {
        assert_eq!(
            decode::<MembershipStatus>("membership.status", "left").unwrap(),
            MembershipStatus::Left
        );
        let e = decode::<MembershipStatus>("membership.status", "archived").unwrap_err();
        assert!(
            matches!(e, Failure::Store(crate::StoreError::Internal(m)) if m.contains("membership.status"))
        );
    }
}
