//! Wall-clock time, recurring series and iCalendar (RFC 5545) export.
//!
//! Meetings are planned in local wall-clock time in a named IANA zone
//! ("18:30 in Europe/London, every month"), and stored as instants. This
//! module holds the pure rules that connect the two:
//!
//! - [`parse_timezone`], [`parse_local`] and [`format_local`] read and write
//!   the API's representation of a zone and a local time;
//! - [`resolve`] turns a local time into an instant, refusing the times that do
//!   not exist (spring gap) or happen twice (autumn overlap) rather than
//!   guessing; [`to_local`] goes back;
//! - [`occurrences`] expands a series (every N weeks or months, bounded by a
//!   count or an inclusive end date) in local time, so every occurrence keeps
//!   its wall-clock time across clock changes;
//! - [`render`] writes a whole `VCALENDAR`.
//!
//! Choices made in [`render`]:
//!
//! - **Generated `VTIMEZONE`.** Events carry `DTSTART;TZID=<IANA name>` with
//!   local times, so a client shows them at the intended wall-clock time even
//!   if the zone's rules change. RFC 5545 requires a `VTIMEZONE` for every
//!   `TZID` used; chrono-tz does not expose its transition table, so the
//!   transitions are found by sampling the zone's offset every few hours over
//!   the years the events span (plus one year either side) and
//!   binary-searching the exact second of each change. Each transition becomes
//!   one `STANDARD` or `DAYLIGHT` observance with an explicit `DTSTART` (no
//!   `RRULE`), preceded by one observance for the offset in force on 1 January
//!   of the first year, so the whole range is covered.
//! - **`DTSTAMP` = the event's `last_modified`.** Without a `METHOD` property,
//!   RFC 5545 §3.8.7.2 defines `DTSTAMP` as the time the event was last
//!   revised, so using `last_modified` is correct and keeps the output
//!   deterministic: the same events always give the same bytes (useful for
//!   `ETag`s and caching), and nothing reads the clock.
//! - **No `METHOD`.** The feed is a published calendar, not an iTIP scheduling
//!   message (RFC 5546); `METHOD` would change the meaning of `DTSTAMP`.
//!
//! Text values are escaped per §3.3.11 (control characters other than line
//! breaks are dropped), parameter values are quoted when they must be, and
//! content lines are folded at 75 octets without splitting a UTF-8 character.

mod ics;
mod local;
mod series;

pub use ics::{Event, EventStatus, Organizer, render};
pub use local::{format_local, parse_local, parse_timezone, resolve, to_local};
pub use series::{MAX_OCCURRENCES, occurrences};
