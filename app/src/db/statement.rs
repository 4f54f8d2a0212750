//! One statement, written once, run on either backend: [`sql`] makes a
//! [`Sql`] (text with numbered `$1` parameters, which both SQLite and
//! PostgreSQL read, and its bound [`Value`]s), and its methods run it on the
//! pool or on a transaction ([`On`]) and read the result as [`Row`]s. The
//! statement is an ordinary value and its methods ordinary `async fn`s:
//! a `?` means what it says, and nothing is compiled twice.
//!
//! Statements built a piece at a time (filters, lists of values) use
//! [`Sql::push`] and [`Sql::push_bind`], as sqlx's `QueryBuilder`.

use std::borrow::Cow;

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Database, Encode, Type};

use super::Db;
use super::backend::{DbRow, On, Pool, Stored, Tx};

/// A value bound to a statement: the kinds both backends store alike.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'q> {
    Int(Option<i64>),
    Int32(Option<i32>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Text(Option<Cow<'q, str>>),
    Bytes(Option<Cow<'q, [u8]>>),
}

/// What can be bound to a statement.
pub(crate) trait Bind<'q> {
    fn value(self) -> Value<'q>;
}

macro_rules! bind_copy {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl<'q> Bind<'q> for $t {
            fn value(self) -> Value<'q> {
                Value::$variant(Some(self))
            }
        }
        impl<'q> Bind<'q> for Option<$t> {
            fn value(self) -> Value<'q> {
                Value::$variant(self)
            }
        }
        impl<'q> Bind<'q> for &$t {
            fn value(self) -> Value<'q> {
                Value::$variant(Some(*self))
            }
        }
        impl<'q> Bind<'q> for &Option<$t> {
            fn value(self) -> Value<'q> {
                Value::$variant(*self)
            }
        }
    )*};
}
bind_copy!(i64 => Int, i32 => Int32, f64 => Real, bool => Bool);

impl<'q> Bind<'q> for &'q str {
    fn value(self) -> Value<'q> {
        Value::Text(Some(Cow::Borrowed(self)))
    }
}
impl<'q> Bind<'q> for Option<&'q str> {
    fn value(self) -> Value<'q> {
        Value::Text(self.map(Cow::Borrowed))
    }
}
impl<'q> Bind<'q> for String {
    fn value(self) -> Value<'q> {
        Value::Text(Some(Cow::Owned(self)))
    }
}
impl<'q> Bind<'q> for Option<String> {
    fn value(self) -> Value<'q> {
        Value::Text(self.map(Cow::Owned))
    }
}
impl<'q> Bind<'q> for &'q String {
    fn value(self) -> Value<'q> {
        Value::Text(Some(Cow::Borrowed(self.as_str())))
    }
}
impl<'q> Bind<'q> for &'q Option<String> {
    fn value(self) -> Value<'q> {
        Value::Text(self.as_deref().map(Cow::Borrowed))
    }
}
impl<'q> Bind<'q> for Option<&'q String> {
    fn value(self) -> Value<'q> {
        Value::Text(self.map(|s| Cow::Borrowed(s.as_str())))
    }
}
impl<'q> Bind<'q> for &'q [u8] {
    fn value(self) -> Value<'q> {
        Value::Bytes(Some(Cow::Borrowed(self)))
    }
}
impl<'q> Bind<'q> for Vec<u8> {
    fn value(self) -> Value<'q> {
        Value::Bytes(Some(Cow::Owned(self)))
    }
}
impl<'q> Bind<'q> for &'q Vec<u8> {
    fn value(self) -> Value<'q> {
        Value::Bytes(Some(Cow::Borrowed(self.as_slice())))
    }
}
impl<'q> Bind<'q> for Option<Vec<u8>> {
    fn value(self) -> Value<'q> {
        Value::Bytes(self.map(Cow::Owned))
    }
}

/// Where a statement runs: the pool (each statement on its own
/// connection) or one transaction.
pub(crate) enum Conn<'c> {
    Pool(&'c Pool),
    Tx(&'c mut Tx),
}

impl<'c> From<&'c Db> for Conn<'c> {
    fn from(db: &'c Db) -> Self {
        Conn::Pool(db.pool())
    }
}

impl<'c> From<&'c Pool> for Conn<'c> {
    fn from(pool: &'c Pool) -> Self {
        Conn::Pool(pool)
    }
}

impl<'c> From<&'c mut Tx> for Conn<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        Conn::Tx(tx)
    }
}

/// Several statements on one [`Conn`]: `&mut conn` runs one and keeps it.
impl<'a> From<&'a mut Conn<'_>> for Conn<'a> {
    fn from(conn: &'a mut Conn<'_>) -> Self {
        match conn {
            Conn::Pool(pool) => Conn::Pool(pool),
            Conn::Tx(tx) => Conn::Tx(tx),
        }
    }
}

/// A result row of whichever backend ran the statement.
pub(crate) type Row = On<SqliteRow, PgRow>;

impl DbRow for Row {
    fn col<T: Stored>(&self, column: &str) -> Result<T, sqlx::Error> {
        match self {
            On::Sqlite(row) => row.col(column),
            On::Postgres(row) => row.col(column),
        }
    }
    fn at<T: Stored>(&self, index: usize) -> Result<T, sqlx::Error> {
        match self {
            On::Sqlite(row) => row.at(index),
            On::Postgres(row) => row.at(index),
        }
    }
}

fn sqlite_row(row: SqliteRow) -> Row {
    On::Sqlite(row)
}

fn postgres_row(row: PgRow) -> Row {
    On::Postgres(row)
}

impl Row {
    /// The names of the row's columns, in order.
    pub(crate) fn column_names(&self) -> Vec<&str> {
        use sqlx::{Column, Row as _};
        match self {
            On::Sqlite(row) => row.columns().iter().map(|c| c.name()).collect(),
            On::Postgres(row) => row.columns().iter().map(|c| c.name()).collect(),
        }
    }
}

/// A row read as a tuple, column by column in the statement's order.
pub(crate) trait Record: Sized {
    fn read(row: &Row) -> Result<Self, sqlx::Error>;
}

macro_rules! tuple_record {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Stored),+> Record for ($($t,)+) {
            fn read(row: &Row) -> Result<Self, sqlx::Error> {
                Ok(($(row.at::<$t>($i)?,)+))
            }
        }
    };
}
tuple_record!(A 0, B 1);
tuple_record!(A 0, B 1, C 2);
tuple_record!(A 0, B 1, C 2, D 3);
tuple_record!(A 0, B 1, C 2, D 3, E 4);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5);

/// A statement and its bound values.
#[derive(Debug, Clone)]
pub(crate) struct Sql<'q> {
    text: Cow<'q, str>,
    args: Vec<Value<'q>>,
}

/// A statement with text `text`; bind its `$1`, `$2`… in order with
/// [`Sql::bind`].
pub(crate) fn sql<'q>(text: impl Into<Cow<'q, str>>) -> Sql<'q> {
    Sql {
        text: text.into(),
        args: Vec::new(),
    }
}

/// Binds every value of `args` to sqlx's query for backend `DB`.
fn build<'a, DB>(
    text: &'a str,
    args: &'a [Value<'a>],
) -> sqlx::query::Query<'a, DB, <DB as Database>::Arguments<'a>>
where
    DB: Database,
    Option<i64>: Encode<'a, DB> + Type<DB>,
    Option<i32>: Encode<'a, DB> + Type<DB>,
    Option<f64>: Encode<'a, DB> + Type<DB>,
    Option<bool>: Encode<'a, DB> + Type<DB>,
    Option<&'a str>: Encode<'a, DB> + Type<DB>,
    Option<&'a [u8]>: Encode<'a, DB> + Type<DB>,
{
    let mut query = sqlx::query::<DB>(text);
    for arg in args {
        query = match arg {
            Value::Int(v) => query.bind(*v),
            Value::Int32(v) => query.bind(*v),
            Value::Real(v) => query.bind(*v),
            Value::Bool(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_deref()),
            Value::Bytes(v) => query.bind(v.as_deref()),
        };
    }
    query
}

/// Runs `$method` of sqlx's query for the statement `$sql` on `$on`; `$body`
/// maps each backend's result `$r`, with `$wrap` making its rows [`Row`]s.
macro_rules! run {
    ($sql:expr, $on:expr, $method:ident, |$r:ident, $wrap:ident| $body:expr) => {{
        let sql = $sql;
        match $on.into() {
            Conn::Pool(On::Sqlite(pool)) => build::<sqlx::Sqlite>(&sql.text, &sql.args)
                .$method(pool)
                .await
                .map(|$r| {
                    let $wrap = sqlite_row;
                    $body
                }),
            Conn::Pool(On::Postgres(pool)) => build::<sqlx::Postgres>(&sql.text, &sql.args)
                .$method(pool)
                .await
                .map(|$r| {
                    let $wrap = postgres_row;
                    $body
                }),
            Conn::Tx(On::Sqlite(tx)) => build::<sqlx::Sqlite>(&sql.text, &sql.args)
                .$method(&mut **tx)
                .await
                .map(|$r| {
                    let $wrap = sqlite_row;
                    $body
                }),
            Conn::Tx(On::Postgres(tx)) => build::<sqlx::Postgres>(&sql.text, &sql.args)
                .$method(&mut **tx)
                .await
                .map(|$r| {
                    let $wrap = postgres_row;
                    $body
                }),
        }
    }};
}

impl<'q> Sql<'q> {
    /// Binds the next numbered parameter.
    pub(crate) fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.args.push(value.value());
        self
    }

    /// Appends text to the statement.
    pub(crate) fn push(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.text.to_mut().push_str(text.as_ref());
        self
    }

    /// Appends the next numbered parameter (`$n`) and binds `value` to it.
    pub(crate) fn push_bind(&mut self, value: impl Bind<'q>) -> &mut Self {
        self.args.push(value.value());
        let n = self.args.len();
        self.push(format!("${n}"))
    }

    /// Appends `values` as numbered parameters separated by commas (the
    /// inside of `IN (…)` or `VALUES (…)`).
    pub(crate) fn push_list(&mut self, values: impl IntoIterator<Item = Value<'q>>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.args.push(value);
            let n = self.args.len();
            self.push(format!("${n}"));
        }
        self
    }

    /// The statement's text, as it will run.
    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Runs the statement; returns how many rows it changed.
    pub(crate) async fn execute(self, on: impl Into<Conn<'_>>) -> Result<u64, sqlx::Error> {
        run!(self, on, execute, |done, _rows| done.rows_affected())
    }

    /// Every row of the result.
    pub(crate) async fn fetch_all(self, on: impl Into<Conn<'_>>) -> Result<Vec<Row>, sqlx::Error> {
        run!(self, on, fetch_all, |rows, wrap| rows
            .into_iter()
            .map(wrap)
            .collect())
    }

    /// The first row of the result, if any.
    pub(crate) async fn fetch_optional(
        self,
        on: impl Into<Conn<'_>>,
    ) -> Result<Option<Row>, sqlx::Error> {
        run!(self, on, fetch_optional, |row, wrap| row.map(wrap))
    }

    /// The first row of the result; `RowNotFound` if there is none.
    pub(crate) async fn fetch_one(self, on: impl Into<Conn<'_>>) -> Result<Row, sqlx::Error> {
        run!(self, on, fetch_one, |row, wrap| wrap(row))
    }

    /// The first column of the first row.
    pub(crate) async fn scalar<T: Stored>(self, on: impl Into<Conn<'_>>) -> Result<T, sqlx::Error> {
        self.fetch_one(on).await?.at(0)
    }

    /// The first column of the first row, if there is a row.
    pub(crate) async fn scalar_optional<T: Stored>(
        self,
        on: impl Into<Conn<'_>>,
    ) -> Result<Option<T>, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .map(|row| row.at(0))
            .transpose()
    }

    /// The first column of every row.
    pub(crate) async fn scalars<T: Stored>(
        self,
        on: impl Into<Conn<'_>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        self.fetch_all(on)
            .await?
            .iter()
            .map(|row| row.at(0))
            .collect()
    }

    /// Every row, as tuples.
    pub(crate) async fn records<T: Record>(
        self,
        on: impl Into<Conn<'_>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        self.fetch_all(on).await?.iter().map(T::read).collect()
    }

    /// The first row as a tuple, if there is a row.
    pub(crate) async fn record_optional<T: Record>(
        self,
        on: impl Into<Conn<'_>>,
    ) -> Result<Option<T>, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .map(|row| T::read(&row))
            .transpose()
    }

    /// The first row as a tuple; `RowNotFound` if there is none.
    pub(crate) async fn record<T: Record>(self, on: impl Into<Conn<'_>>) -> Result<T, sqlx::Error> {
        T::read(&self.fetch_one(on).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_parameters_follow_the_bound_ones() {
        let mut q = sql("SELECT 1 FROM t WHERE a = $1").bind(7_i64);
        q.push(" AND b = ")
            .push_bind("x")
            .push(" AND c = ")
            .push_bind(None::<String>);
        q.push(" AND d IN (")
            .push_list([true.value(), 2.5.value()])
            .push(")");
        assert_eq!(
            q.text(),
            "SELECT 1 FROM t WHERE a = $1 AND b = $2 AND c = $3 AND d IN ($4, $5)"
        );
        assert_eq!(
            q.args,
            vec![
                Value::Int(Some(7)),
                Value::Text(Some(Cow::Borrowed("x"))),
                Value::Text(None),
                Value::Bool(Some(true)),
                Value::Real(Some(2.5)),
            ]
        );
    }
}
