//! Statements built once per database backend, then bound with each
//! request's values.
//!
//! The hot reads (docs/performance.md) are composed with sea-query, and
//! composing one (the joins, the correlated subqueries, the aliases, the
//! SQL text) cost the server more than decoding its row. Their SQL text does
//! not depend on the request, only their bound values do, so a [`Memo`]
//! builds the statement once per backend with marker values in place of the
//! arguments (strings: user and resource ids), learns which placeholder
//! takes which argument, and from then on pairs the stored SQL with the
//! request's values.
//!
//! The builder is a plain `fn`, so it cannot capture a request value: every
//! value in the statement is either one of its arguments or a constant of
//! the code (a status literal, a `LIMIT 1`). An argument the builder
//! transforms (for example `format!("%{arg}%")`) cannot be mapped back;
//! such a shape is never memoised: the memo then builds every time, as
//! without it (`learn` returns `None`, and a unit test checks that).
use std::sync::OnceLock;

use sea_orm::{DbBackend, Statement, Value, Values};

/// Prefix of the marker values an argument is replaced by while learning.
const MARK: &str = "\u{0}peerhub-memo-argument-";

/// Where a placeholder's value comes from.
#[derive(Debug, Clone)]
enum Slot {
    /// The request's argument of this index.
    Arg(usize),
    /// A constant of the statement.
    Fixed(Value),
}

/// A statement's SQL and where each of its values comes from.
#[derive(Debug)]
struct Shape {
    sql: String,
    slots: Vec<Slot>,
}

/// One statement shape, learnt on first use per backend.
pub(crate) struct Memo {
    postgres: OnceLock<Option<Shape>>,
    sqlite: OnceLock<Option<Shape>>,
}

impl Memo {
    pub(crate) const fn new() -> Self {
        Self {
            postgres: OnceLock::new(),
            sqlite: OnceLock::new(),
        }
    }

    /// The statement `build` makes from `args` on `backend`: from the
    /// learnt shape when there is one, else built now.
    pub(crate) fn statement<const N: usize>(
        &self,
        backend: DbBackend,
        args: [&str; N],
        build: fn(DbBackend, [&str; N]) -> Statement,
    ) -> Statement {
        match self.shape(backend, |markers| build(backend, markers)) {
            Some(shape) => bind(backend, shape, |i| Value::from(args[i].to_owned())),
            None => build(backend, args),
        }
    }

    /// The learnt shape on `backend`, learning it with `with_markers` the
    /// first time; `None` when it cannot be memoised.
    fn shape<const N: usize>(
        &self,
        backend: DbBackend,
        with_markers: impl FnOnce([&str; N]) -> Statement,
    ) -> Option<&Shape> {
        let cell = match backend {
            DbBackend::Postgres => &self.postgres,
            DbBackend::Sqlite => &self.sqlite,
            _ => return None,
        };
        cell.get_or_init(|| learn(with_markers)).as_ref()
    }
}

/// Builds once with markers and maps each bound value back to an argument
/// or a constant. `None` when an argument was transformed or inlined.
fn learn<const N: usize>(with_markers: impl FnOnce([&str; N]) -> Statement) -> Option<Shape> {
    let markers: [String; N] = std::array::from_fn(|i| format!("{MARK}{i}"));
    let stmt = with_markers(std::array::from_fn(|i| markers[i].as_str()));
    if stmt.sql.contains(MARK) {
        return None;
    }
    let mut slots = Vec::new();
    for v in stmt.values.map(|v| v.0).unwrap_or_default() {
        let slot = match &v {
            Value::String(Some(s)) if s.contains(MARK) => {
                let i = markers.iter().position(|m| m == s)?;
                Slot::Arg(i)
            }
            _ => Slot::Fixed(v),
        };
        slots.push(slot);
    }
    Some(Shape {
        sql: stmt.sql,
        slots,
    })
}

fn bind(backend: DbBackend, shape: &Shape, arg: impl Fn(usize) -> Value) -> Statement {
    let values = shape
        .slots
        .iter()
        .map(|s| match s {
            Slot::Arg(i) => arg(*i),
            Slot::Fixed(v) => v.clone(),
        })
        .collect();
    Statement {
        sql: shape.sql.clone(),
        values: Some(Values(values)),
        db_backend: backend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Expr, ExprTrait, PostgresQueryBuilder, Query, SqliteQueryBuilder};

    fn by_name(backend: DbBackend, [name, city]: [&str; 2]) -> Statement {
        let q = Query::select()
            .column("id")
            .from("people")
            .and_where(Expr::col("name").eq(name))
            .and_where(Expr::col("status").eq("active"))
            .and_where(Expr::col("city").eq(city))
            .and_where(Expr::col("nickname").eq(name))
            .limit(1)
            .to_owned();
        let (sql, values) = match backend {
            DbBackend::Postgres => q.build(PostgresQueryBuilder),
            _ => q.build(SqliteQueryBuilder),
        };
        Statement::from_sql_and_values(backend, sql, values)
    }

    fn transformed(backend: DbBackend, [name]: [&str; 1]) -> Statement {
        let q = Query::select()
            .column("id")
            .from("people")
            .and_where(Expr::col("name").like(format!("%{name}%")))
            .to_owned();
        let (sql, values) = q.build(PostgresQueryBuilder);
        Statement::from_sql_and_values(backend, sql, values)
    }

    #[test]
    fn a_memoised_statement_equals_a_fresh_build_on_both_backends() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let memo = Memo::new();
            for (name, city) in [("Ada", "Leeds"), ("Grace", "York"), ("Ada", "Ada")] {
                let got = memo.statement(backend, [name, city], by_name);
                assert_eq!(
                    got,
                    by_name(backend, [name, city]),
                    "{backend:?} {name} {city}"
                );
            }
            assert!(memo_learnt(&memo, backend), "{backend:?} shape not learnt");
        }
    }

    #[test]
    fn a_transformed_argument_is_never_memoised() {
        assert!(learn(|m| transformed(DbBackend::Postgres, m)).is_none());
        let memo = Memo::new();
        for name in ["Ada", "Grace"] {
            let got = memo.statement(DbBackend::Postgres, [name], transformed);
            assert_eq!(got, transformed(DbBackend::Postgres, [name]));
        }
    }

    fn memo_learnt(memo: &Memo, backend: DbBackend) -> bool {
        let cell = match backend {
            DbBackend::Postgres => &memo.postgres,
            _ => &memo.sqlite,
        };
        matches!(cell.get(), Some(Some(_)))
    }
}
