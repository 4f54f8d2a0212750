//! Bulk inserts and reads through SQLite's C interface, for the one write
//! that is large (a transcript import: a million lines in one transaction)
//! and the one read that is large (the report: every incident).
//!
//! sqlx binds every value through its connection's worker thread, copying each
//! text and building a statement of thousands of placeholders per batch: for a
//! million lines that cost more than SQLite's own work. Here a prepared
//! statement stores many rows per step on the connection sqlx holds (inside
//! the transaction it opened), with texts bound without a copy.
//!
//! This is the only `unsafe` code in the app. The safety argument is local:
//! - the raw handle comes from sqlx's [`LockedSqliteHandle`], which keeps the
//!   connection's worker away from it for as long as [`Inserter`] lives;
//! - statements are finalized in `Drop`, before the lock is released;
//! - texts are bound as `SQLITE_STATIC`: the [`Inserter`] borrows them for
//!   its whole life (the borrow checker holds callers to that), SQLite reads
//!   them only during the `sqlite3_step` that stores their row, and the
//!   bindings are cleared right after it, so no pointer outlives its text.

use std::ffi::{CStr, c_int};
use std::ptr::NonNull;

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use super::DbError;

/// A value of one parameter.
#[derive(Clone, Copy)]
pub(super) enum Value<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

impl<'a> From<i64> for Value<'a> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Rows inserted with one statement: a statement's setup (cursors, foreign
/// key checks) is paid once per this many rows.
const ROWS_PER_STATEMENT: usize = 128;

/// Inserts rows into one table, [`ROWS_PER_STATEMENT`] at a time. Texts of
/// a row are borrowed for `'v`, until the statement that stores them runs.
pub(super) struct Inserter<'h, 'c, 'v> {
    handle: &'h mut LockedSqliteHandle<'c>,
    /// Stores [`ROWS_PER_STATEMENT`] rows; `one` stores the last few.
    many: NonNull<ffi::sqlite3_stmt>,
    one: NonNull<ffi::sqlite3_stmt>,
    columns: usize,
    pending: Vec<Value<'v>>,
}

impl<'h, 'c, 'v> Inserter<'h, 'c, 'v> {
    /// Prepares `INSERT INTO table (columns)` (`head`) for rows of `columns`
    /// values.
    pub fn prepare(
        handle: &'h mut LockedSqliteHandle<'c>,
        head: &str,
        columns: usize,
    ) -> Result<Self, DbError> {
        let row = format!("({})", vec!["?"; columns].join(", "));
        let many_sql = format!(
            "{head} VALUES {}",
            vec![row.as_str(); ROWS_PER_STATEMENT].join(", ")
        );
        let one_sql = format!("{head} VALUES {row}");
        let db = handle.as_raw_handle().as_ptr();
        let many = prepare(db, &many_sql)?;
        let one = match prepare(db, &one_sql) {
            Ok(one) => one,
            Err(e) => {
                // SAFETY: `many` was prepared above and is finalized once.
                unsafe { ffi::sqlite3_finalize(many.as_ptr()) };
                return Err(e);
            }
        };
        Ok(Inserter {
            handle,
            many,
            one,
            columns,
            pending: Vec::with_capacity(columns * ROWS_PER_STATEMENT),
        })
    }

    /// Adds a row (exactly `columns` values); stored when enough are pending.
    pub fn row<const N: usize>(&mut self, values: [Value<'v>; N]) -> Result<(), DbError> {
        if N != self.columns {
            return Err(failure("a row has the wrong number of values"));
        }
        self.pending.extend(values);
        if self.pending.len() == self.columns * ROWS_PER_STATEMENT {
            self.run(self.many)?;
            self.pending.clear();
        }
        Ok(())
    }

    /// Stores the rows still pending. Rows not finished are not stored.
    pub fn finish(mut self) -> Result<(), DbError> {
        let pending = std::mem::take(&mut self.pending);
        for row in pending.chunks(self.columns) {
            self.pending.clear();
            self.pending.extend_from_slice(row);
            self.run(self.one)?;
        }
        Ok(())
    }

    /// Binds the pending values to `stmt` (which takes exactly that many),
    /// steps it once, and unbinds them.
    fn run(&mut self, stmt: NonNull<ffi::sqlite3_stmt>) -> Result<(), DbError> {
        let stmt = stmt.as_ptr();
        // SAFETY: `stmt` is live; its parameter count was checked against
        // the values it is given (see `prepare`).
        let count = unsafe { ffi::sqlite3_bind_parameter_count(stmt) };
        if usize::try_from(count).ok() != Some(self.pending.len()) {
            return Err(failure(
                "the statement's parameters do not match its values",
            ));
        }
        for (i, value) in self.pending.iter().enumerate() {
            let index = c_int::try_from(i + 1).map_err(|_| failure("too many values"))?;
            // SAFETY: `stmt` is live; `index` is within its parameters; a
            // text is borrowed for 'v, longer than this call, and SQLite
            // reads it only in the step below (SQLITE_STATIC), after which
            // the bindings are cleared: see the module's safety note.
            let rc = unsafe {
                match value {
                    Value::Int(v) => ffi::sqlite3_bind_int64(stmt, index, *v),
                    Value::Null => ffi::sqlite3_bind_null(stmt, index),
                    Value::Text(t) => ffi::sqlite3_bind_text(
                        stmt,
                        index,
                        t.as_ptr().cast(),
                        c_int::try_from(t.len()).map_err(|_| failure("a text is too long"))?,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                // SAFETY: as above.
                unsafe { ffi::sqlite3_clear_bindings(stmt) };
                return Err(self.error());
            }
        }
        // SAFETY: `stmt` is live and fully bound. Reset and unbind at once,
        // so that no pointer to these texts stays in the statement.
        let (rc, reset) = unsafe {
            let rc = ffi::sqlite3_step(stmt);
            let reset = ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
            (rc, reset)
        };
        if rc != ffi::SQLITE_DONE || reset != ffi::SQLITE_OK {
            return Err(self.error());
        }
        Ok(())
    }

    fn error(&mut self) -> DbError {
        error_of(self.handle.as_raw_handle().as_ptr())
    }
}

impl Drop for Inserter<'_, '_, '_> {
    fn drop(&mut self) {
        // SAFETY: both statements are live and finalized once, while the
        // connection is still locked by `handle`.
        unsafe {
            ffi::sqlite3_finalize(self.many.as_ptr());
            ffi::sqlite3_finalize(self.one.as_ptr());
        }
    }
}

/// Reads the rows of one query. sqlx hands every row across a channel from
/// its worker thread and looks columns up by name: about 27 µs a row, 2.7 s
/// for the report's 100,000 incidents. Stepping the statement here reads
/// them in a fraction of that.
///
/// Safety: as for [`Inserter`], the handle keeps sqlx's worker away while
/// [`Rows`] lives, the statement is finalized in `Drop`, and parameters are
/// bound as `SQLITE_TRANSIENT` (SQLite copies them). A [`Row`] borrows the
/// `Rows` mutably, so its texts cannot outlive the step that produced them.
pub(super) struct Rows<'h, 'c> {
    handle: &'h mut LockedSqliteHandle<'c>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

/// The current row of a [`Rows`].
pub(super) struct Row<'r> {
    stmt: *mut ffi::sqlite3_stmt,
    _rows: std::marker::PhantomData<&'r mut ()>,
}

impl<'h, 'c> Rows<'h, 'c> {
    pub fn query(
        handle: &'h mut LockedSqliteHandle<'c>,
        sql: &str,
        params: &[Value<'_>],
    ) -> Result<Self, DbError> {
        let db = handle.as_raw_handle().as_ptr();
        let stmt = prepare(db, sql)?;
        let rows = Rows { handle, stmt };
        for (i, value) in params.iter().enumerate() {
            let index = c_int::try_from(i + 1).map_err(|_| failure("too many values"))?;
            let s = rows.stmt.as_ptr();
            // SAFETY: `s` is live; SQLITE_TRANSIENT makes SQLite copy the
            // text before this call returns.
            let rc = unsafe {
                match value {
                    Value::Int(v) => ffi::sqlite3_bind_int64(s, index, *v),
                    Value::Null => ffi::sqlite3_bind_null(s, index),
                    Value::Text(t) => ffi::sqlite3_bind_text(
                        s,
                        index,
                        t.as_ptr().cast(),
                        c_int::try_from(t.len()).map_err(|_| failure("a text is too long"))?,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(error_of(db));
            }
        }
        Ok(rows)
    }

    /// The next row, or `None` after the last.
    pub fn next(&mut self) -> Result<Option<Row<'_>>, DbError> {
        // SAFETY: the statement is live and bound.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(Some(Row {
                stmt: self.stmt.as_ptr(),
                _rows: std::marker::PhantomData,
            })),
            ffi::SQLITE_DONE => Ok(None),
            _ => Err(error_of(self.handle.as_raw_handle().as_ptr())),
        }
    }
}

impl Drop for Rows<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: live, finalized once, while the connection is locked.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

impl Row<'_> {
    fn index(i: usize) -> c_int {
        c_int::try_from(i).unwrap_or(c_int::MAX)
    }

    pub fn is_null(&self, i: usize) -> bool {
        // SAFETY: the statement is on a row; an index past the last column
        // reads as NULL.
        unsafe { ffi::sqlite3_column_type(self.stmt, Self::index(i)) == ffi::SQLITE_NULL }
    }

    pub fn int(&self, i: usize) -> i64 {
        // SAFETY: as above; a NULL reads as 0.
        unsafe { ffi::sqlite3_column_int64(self.stmt, Self::index(i)) }
    }

    pub fn opt_int(&self, i: usize) -> Option<i64> {
        (!self.is_null(i)).then(|| self.int(i))
    }

    /// A text column (NULL reads as ""); text that is not UTF-8 is refused.
    pub fn text(&self, i: usize) -> Result<&str, DbError> {
        // SAFETY: SQLite returns a pointer valid until the next step or
        // finalize, both of which need `&mut Rows`, which this row borrows;
        // `sqlite3_column_bytes` is called after `sqlite3_column_text`, as
        // SQLite's documentation asks.
        let bytes = unsafe {
            let p = ffi::sqlite3_column_text(self.stmt, Self::index(i));
            if p.is_null() {
                return Ok("");
            }
            let n = ffi::sqlite3_column_bytes(self.stmt, Self::index(i));
            std::slice::from_raw_parts(p, usize::try_from(n).unwrap_or(0))
        };
        std::str::from_utf8(bytes).map_err(|_| failure("a stored text is not UTF-8"))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<&str>, DbError> {
        if self.is_null(i) {
            Ok(None)
        } else {
            self.text(i).map(Some)
        }
    }
}

fn prepare(db: *mut ffi::sqlite3, sql: &str) -> Result<NonNull<ffi::sqlite3_stmt>, DbError> {
    let mut stmt = std::ptr::null_mut();
    let len = c_int::try_from(sql.len()).map_err(|_| failure("statement too long"))?;
    // SAFETY: `db` is a live connection held locked by the caller's handle;
    // `sql` is valid for `len` bytes; `stmt` receives the statement or null.
    let rc = unsafe {
        ffi::sqlite3_prepare_v2(
            db,
            sql.as_ptr().cast(),
            len,
            &mut stmt,
            std::ptr::null_mut(),
        )
    };
    match NonNull::new(stmt) {
        Some(stmt) if rc == ffi::SQLITE_OK => Ok(stmt),
        Some(stmt) => {
            // SAFETY: a statement returned with an error is finalized once.
            unsafe { ffi::sqlite3_finalize(stmt.as_ptr()) };
            Err(error_of(db))
        }
        None => Err(error_of(db)),
    }
}

/// The connection's last error: a full disk as such, anything else with
/// SQLite's message.
fn error_of(db: *mut ffi::sqlite3) -> DbError {
    // SAFETY: `db` is a live connection.
    if unsafe { ffi::sqlite3_errcode(db) } == ffi::SQLITE_FULL {
        return DbError::StorageFull;
    }
    failure(&error_message(db))
}

fn error_message(db: *mut ffi::sqlite3) -> String {
    // SAFETY: `db` is a live connection; SQLite returns a NUL-terminated
    // message it owns, copied out at once.
    unsafe {
        let message = ffi::sqlite3_errmsg(db);
        if message.is_null() {
            "unknown SQLite error".into()
        } else {
            CStr::from_ptr(message).to_string_lossy().into_owned()
        }
    }
}

fn failure(message: &str) -> DbError {
    DbError::Sqlx(sqlx::Error::Protocol(format!("SQLite: {message}")))
}
