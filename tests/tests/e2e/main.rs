//! End-to-end tests over real HTTP, each on SQLite and on PostgreSQL.
mod account_control;
mod account_security;
mod accounts;
mod applications;
mod calendars;
mod communities;
mod complaints;
mod conventions;
mod match_notes;
mod match_sessions;
mod matching;
mod meetings;
mod minutes;
mod networks;
mod privacy;
mod rosters;
mod token_guard;
