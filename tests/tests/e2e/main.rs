//! End-to-end tests over real HTTP, each on SQLite and on PostgreSQL.
mod accounts;
mod applications;
mod calendars;
mod communities;
mod conventions;
mod meetings;
mod minutes;
mod networks;
mod privacy;
mod rosters;
