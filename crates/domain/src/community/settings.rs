//! The settings of a community: validated on create, merged on patch.
use super::rules::{
    DEFAULT_CLOSED_CAPACITY, DEFAULT_OPEN_CAPACITY, check_cadence, check_capacity, check_duration,
};
use super::sets::{CadenceUnit, CommunityKind, DeliveryMode, OrganisedAround};
use crate::validation::{Invalid, Violations, bounded_text};

/// The settings of a community, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub name: String,
    pub focus: String,
    pub audience: String,
    pub organised_around: OrganisedAround,
    pub kind: CommunityKind,
    pub capacity: i32,
    pub fee_note: Option<String>,
    pub cadence_every: i32,
    pub cadence_unit: CadenceUnit,
    pub duration_minutes: i32,
    pub delivery_mode: DeliveryMode,
}

/// Raw settings as a client sends them (all optional, for create and patch).
#[derive(Debug, Clone, Default)]
pub struct RawSettings {
    pub name: Option<String>,
    pub focus: Option<String>,
    pub audience: Option<String>,
    pub organised_around: Option<OrganisedAround>,
    pub kind: Option<CommunityKind>,
    pub capacity: Option<i32>,
    pub fee_note: Option<Option<String>>,
    pub cadence_every: Option<i32>,
    pub cadence_unit: Option<CadenceUnit>,
    pub duration_minutes: Option<i32>,
    pub delivery_mode: Option<DeliveryMode>,
}

impl RawSettings {
    /// Merges onto `base` (None for a create) and validates the result.
    /// A create without a capacity gets the kind's default.
    pub fn apply(
        self,
        base: Option<&Settings>,
        field_prefix: &str,
    ) -> Result<Settings, Violations> {
        let mut v = Violations::new();
        let f = |name: &str| format!("{field_prefix}{name}");
        let required = |v: &mut Violations, name: &str| {
            v.add(&f(name), Invalid::new("required", "is required"))
        };
        let text = |v: &mut Violations,
                    name: &str,
                    raw: Option<String>,
                    current: Option<&String>,
                    max: usize|
         -> Option<String> {
            match (raw, current) {
                (Some(s), _) => v.check(&f(name), bounded_text(&s, 1, max)),
                (None, Some(c)) => Some(c.clone()),
                (None, None) => {
                    required(v, name);
                    None
                }
            }
        };
        let name = text(&mut v, "name", self.name, base.map(|b| &b.name), 200);
        let focus = text(&mut v, "focus", self.focus, base.map(|b| &b.focus), 4000);
        let audience = text(
            &mut v,
            "audience",
            self.audience,
            base.map(|b| &b.audience),
            4000,
        );
        let organised_around = match (self.organised_around, base) {
            (Some(o), _) => Some(o),
            (None, Some(b)) => Some(b.organised_around),
            (None, None) => Some(OrganisedAround::FieldOfPractice),
        };
        let kind = match (self.kind, base) {
            (Some(k), _) => Some(k),
            (None, Some(b)) => Some(b.kind),
            (None, None) => {
                required(&mut v, "kind");
                None
            }
        };
        let capacity = match (self.capacity, base, kind) {
            (Some(c), _, _) => v.check(&f("capacity"), check_capacity(c)),
            (None, Some(b), _) => Some(b.capacity),
            (None, None, Some(CommunityKind::Closed)) => Some(DEFAULT_CLOSED_CAPACITY),
            (None, None, Some(CommunityKind::Open)) => Some(DEFAULT_OPEN_CAPACITY),
            (None, None, None) => None,
        };
        let fee_note = match (self.fee_note, base) {
            (Some(Some(s)), _) => v.check(&f("fee_note"), bounded_text(&s, 1, 500)).map(Some),
            (Some(None), _) => Some(None),
            (None, Some(b)) => Some(b.fee_note.clone()),
            (None, None) => Some(None),
        };
        let cadence_unit = match (self.cadence_unit, base) {
            (Some(u), _) => Some(u),
            (None, Some(b)) => Some(b.cadence_unit),
            (None, None) => {
                required(&mut v, "cadence.unit");
                None
            }
        };
        let cadence_every = match (self.cadence_every, base, cadence_unit) {
            (Some(e), _, Some(u)) => v.check(&f("cadence.every"), check_cadence(e, u)),
            (None, Some(b), Some(u)) => {
                v.check(&f("cadence.every"), check_cadence(b.cadence_every, u))
            }
            (None, None, _) => {
                required(&mut v, "cadence.every");
                None
            }
            (_, _, None) => None,
        };
        let duration_minutes = match (self.duration_minutes, base) {
            (Some(d), _) => v.check(&f("duration_minutes"), check_duration(d)),
            (None, Some(b)) => Some(b.duration_minutes),
            (None, None) => {
                required(&mut v, "duration_minutes");
                None
            }
        };
        let delivery_mode = match (self.delivery_mode, base) {
            (Some(m), _) => Some(m),
            (None, Some(b)) => Some(b.delivery_mode),
            (None, None) => Some(DeliveryMode::Online),
        };
        match (
            name,
            focus,
            audience,
            organised_around,
            kind,
            capacity,
            fee_note,
            cadence_every,
            cadence_unit,
            duration_minutes,
            delivery_mode,
        ) {
            (
                Some(name),
                Some(focus),
                Some(audience),
                Some(organised_around),
                Some(kind),
                Some(capacity),
                Some(fee_note),
                Some(cadence_every),
                Some(cadence_unit),
                Some(duration_minutes),
                Some(delivery_mode),
            ) if v.is_empty() => Ok(Settings {
                name,
                focus,
                audience,
                organised_around,
                kind,
                capacity,
                fee_note,
                cadence_every,
                cadence_unit,
                duration_minutes,
                delivery_mode,
            }),
            _ => Err(v),
        }
    }
}
