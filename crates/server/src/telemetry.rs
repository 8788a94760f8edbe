//! Structured logs with `tracing`. Every line of a request carries its
//! request id (from the span the HTTP middleware opens).
//!
//! What must never reach a log line: credentials in paths (the HTTP
//! middleware logs `peerhub_http::middleware::loggable_path`, never the raw
//! path, and never the query string), request bodies, headers, and SQL bind
//! values (statement logging is off: `sqlx_logging(false)` in
//! `peerhub_persistence::db`, and sea-orm's `debug-print` feature is not
//! enabled). tests/tests/logs.rs drives the real server through this
//! subscriber and fails if a secret shows up.
use std::error::Error;
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// The filter when `PEERHUB_LOG` is unset or invalid: info, with the
/// database and server internals quieted to warnings.
pub const DEFAULT_FILTER: &str =
    "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn,actix_server=warn";

/// Installs the global subscriber, writing to stderr, filtered by
/// `PEERHUB_LOG` (`EnvFilter` syntax) or [`DEFAULT_FILTER`]. The pretty
/// format is coloured only when stderr is a terminal and `NO_COLOR` is
/// unset ([`use_colour`]). Does nothing if a subscriber is already
/// installed.
pub fn init(format: LogFormat) {
    let directives = std::env::var("PEERHUB_LOG").ok();
    let colour = use_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let _ = install(format, directives.as_deref(), std::io::stderr, colour);
}

/// Whether to write ANSI colours: only to a terminal, and not when
/// `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
pub fn use_colour(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Installs the subscriber [`init`] installs, writing to `make_writer`
/// instead of stderr: same layers and formatting, without colours;
/// `directives` in `EnvFilter` syntax (`None`, or directives that do not
/// parse, mean [`DEFAULT_FILTER`]). Fails if a global subscriber is
/// already installed.
pub fn init_with_writer<W>(
    format: LogFormat,
    directives: Option<&str>,
    make_writer: W,
) -> Result<(), Box<dyn Error + Send + Sync + 'static>>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    install(format, directives, make_writer, false)
}

fn install<W>(
    format: LogFormat,
    directives: Option<&str>,
    make_writer: W,
    colour: bool,
) -> Result<(), Box<dyn Error + Send + Sync + 'static>>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = directives
        .and_then(|d| EnvFilter::try_new(d).ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(make_writer);
    match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::use_colour;

    #[test]
    fn colours_only_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
        assert!(!use_colour(false, None));
    }
}
