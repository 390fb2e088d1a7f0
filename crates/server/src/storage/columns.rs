//! How `from_row!` reads a field (`Field`) and a column into a field (`Column`): every type
//! as sqlx decodes it, except timestamps on SQLite, which are parsed here first.
//!
//! sqlx stores a `NaiveDateTime` in SQLite as text (`2026-09-15 09:30:00`, with a fraction
//! when there is one) and reads it back by trying RFC 3339, then a list of strftime patterns
//! with and without an offset, each compiled on every call: about 5,000 instructions per
//! value, and a session row has five. A row of the booking rush is read many times per
//! booking, so the text sqlx itself writes is parsed directly (a few dozen instructions);
//! anything else goes to sqlx's decoder as before, so the result is the same.
//!
//! Counts (`u32` fields: capacities, people) are stored as 64-bit integers; a value outside
//! `u32` fails the row's decoding instead of being clamped, so a corrupt counter is an error
//! the log shows, never a plausible number a decision is then made on.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use labday_domain::Localised;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteValueRef};
use sqlx::{ColumnIndex, Database, Decode, Row, Type, Value, ValueRef};

/// A field type `from_row!` can fill: decoded as `Wire`, then converted; a value the field
/// cannot hold fails the row.
pub(super) trait Column: Sized {
    type Wire;
    fn from_wire(wire: Self::Wire) -> Result<Self, BoxDynError>;
}

/// How a `from_row!` field is read from its row: a [`Column`] from the column of the field's
/// name, a [`Localised`] from the two columns of its languages (`title_zh`, `title_en`).
pub(super) trait Field<'r, R: Row>: Sized {
    fn read(row: &'r R, name: &str) -> Result<Self, sqlx::Error>;
}

impl<'r, R: Row, T: Column> Field<'r, R> for T
where
    for<'a> &'a str: ColumnIndex<R>,
    T::Wire: Decode<'r, R::Database> + Type<R::Database>,
{
    fn read(row: &'r R, name: &str) -> Result<Self, sqlx::Error> {
        T::from_wire(row.try_get(name)?).map_err(|source| sqlx::Error::ColumnDecode {
            index: name.to_owned(),
            source,
        })
    }
}

impl<'r, R: Row> Field<'r, R> for Localised
where
    for<'a> &'a str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    fn read(row: &'r R, name: &str) -> Result<Self, sqlx::Error> {
        let zh = row.try_get(format!("{name}_zh").as_str())?;
        let en = row.try_get(format!("{name}_en").as_str())?;
        Ok(Localised { zh, en })
    }
}

macro_rules! as_decoded {
    ($($ty:ty),* $(,)?) => {
        $(impl Column for $ty {
            type Wire = $ty;
            fn from_wire(wire: $ty) -> Result<$ty, BoxDynError> {
                Ok(wire)
            }
        })*
    };
}

as_decoded!(
    i64,
    Option<i64>,
    String,
    Option<String>,
    NaiveDate,
    Option<NaiveDate>,
    bool
);

impl Column for NaiveDateTime {
    type Wire = Stamp;
    fn from_wire(wire: Stamp) -> Result<NaiveDateTime, BoxDynError> {
        Ok(wire.0)
    }
}

impl Column for Option<NaiveDateTime> {
    type Wire = Option<Stamp>;
    fn from_wire(wire: Option<Stamp>) -> Result<Option<NaiveDateTime>, BoxDynError> {
        Ok(wire.map(|s| s.0))
    }
}

impl Column for u32 {
    type Wire = Count;
    fn from_wire(wire: Count) -> Result<u32, BoxDynError> {
        Ok(wire.0)
    }
}

/// A domain enum stored as its name (`as_str`): `parse` is its only reader.
pub(crate) trait Named: Sized + Send + Unpin {
    fn parse_name(name: &str) -> Option<Self>;
}

/// A column holding a [`Named`] value. A name the domain does not know fails the row with
/// the table's value in the error, instead of reading as some default: a row another
/// version wrote, or an edit by hand, is an error the log shows, never a wrong decision.
/// Use it in tuples (`Name<Role>`); `from_row!` fields take the enum itself.
pub(crate) struct Name<T>(pub T);

macro_rules! named {
    ($($ty:ty),* $(,)?) => {
        $(impl Named for $ty {
            fn parse_name(name: &str) -> Option<Self> {
                <$ty>::parse(name)
            }
        }

        impl Column for $ty {
            type Wire = Name<$ty>;
            fn from_wire(wire: Name<$ty>) -> Result<$ty, BoxDynError> {
                Ok(wire.0)
            }
        })*
    };
}

named!(
    labday_domain::activity::ActivityKind,
    labday_domain::booking::BookingStatus,
    labday_domain::SessionFormat,
    labday_domain::SessionStatus,
    labday_domain::sample::Method,
    labday_domain::sample::Judgement,
    labday_domain::staff::Role,
    labday_domain::staff::AuditAction,
    labday_domain::organisation::OrgKind,
    labday_domain::message::Lang,
    labday_domain::message::MessageKind,
    labday_domain::message::DeliveryStatus,
);

impl<'r, T: Named, DB: Database> Decode<'r, DB> for Name<T>
where
    &'r str: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let name = <&str as Decode<DB>>::decode(value)?;
        T::parse_name(name).map(Name).ok_or_else(|| {
            format!(
                "unknown {} in the database: {name:?}",
                std::any::type_name::<T>()
            )
            .into()
        })
    }
}

/// A count column: a 64-bit integer that must fit a `u32`.
pub(super) struct Count(u32);

impl<'r, DB: Database> Decode<'r, DB> for Count
where
    i64: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let wide = <i64 as Decode<DB>>::decode(value)?;
        u32::try_from(wide)
            .map(Count)
            .map_err(|_| format!("count out of range: {wide}").into())
    }
}

/// A `NaiveDateTime` column, decoded quickly when it is text in sqlx's own format.
pub(super) struct Stamp(NaiveDateTime);

/// A column wrapper is, to each database, the type it is stored as (`<T>` first for a
/// generic wrapper).
macro_rules! stored_as {
    (@impl [$($param:ident)?] $column:ty => $stored:ty) => {
        impl<DB: Database $(, $param)?> Type<DB> for $column
        where
            $stored: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <$stored as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <$stored as Type<DB>>::compatible(ty)
            }
        }
    };
    (<$param:ident> $column:ty => $stored:ty) => {
        stored_as!(@impl [$param] $column => $stored);
    };
    ($column:ty => $stored:ty) => {
        stored_as!(@impl [] $column => $stored);
    };
}

stored_as!(<T> Name<T> => String);
stored_as!(Count => i64);
stored_as!(Stamp => NaiveDateTime);

impl<'r> Decode<'r, Sqlite> for Stamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        // A row's value: cloning it is a reference count, kept for the slow path.
        let kept = ValueRef::to_owned(&value);
        if let Some(stamp) = <&str as Decode<Sqlite>>::decode(value)
            .ok()
            .and_then(parse_sqlx_text)
        {
            return Ok(Stamp(stamp));
        }
        <NaiveDateTime as Decode<Sqlite>>::decode(kept.as_ref()).map(Stamp)
    }
}

impl<'r> Decode<'r, Postgres> for Stamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <NaiveDateTime as Decode<Postgres>>::decode(value).map(Stamp)
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1–9 digits of fraction, exactly; `None`
/// for anything else (which sqlx's decoder then reads).
fn parse_sqlx_text(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let n = number(20, b.len())?;
            n * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 7)?,
        number(8, 10)?,
    )?;
    let (h, m, s) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    // A leap second (:60) is left to chrono's parser.
    if s > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(h, m, s, nanos)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::parse_sqlx_text;
    use chrono::NaiveDateTime;

    /// The same value chrono reads with sqlx's pattern, for every shape sqlx writes.
    #[test]
    fn reads_what_sqlx_writes_as_chrono_does() {
        for text in [
            "2026-09-15 09:30:00",
            "2026-09-15 09:30:00.5",
            "2026-12-31 23:59:59.123456789",
            "2024-02-29 00:00:00.000001",
            "0001-01-01 00:00:00",
        ] {
            let expected = NaiveDateTime::parse_from_str(text, "%F %T%.f").unwrap();
            assert_eq!(parse_sqlx_text(text), Some(expected), "{text}");
        }
        let now = chrono::Utc::now().naive_utc();
        let written = now.format("%F %T%.f").to_string();
        assert_eq!(parse_sqlx_text(&written), Some(now));
    }

    /// Anything else is left to sqlx's decoder.
    #[test]
    fn leaves_other_shapes_to_sqlx() {
        for text in [
            "2026-09-15T09:30:00",
            "2026-09-15 09:30:00Z",
            "2026-09-15 09:30:00+08:00",
            "2026-09-15 09:30",
            "2026-09-15 09:30:00.",
            "2026-09-15 09:30:00.1234567890",
            "2026-02-30 09:30:00",
            "2026-09-15 24:00:00",
            "2026-09-15 23:59:60",
            "２026-09-15 09:30:00",
            "",
        ] {
            assert_eq!(parse_sqlx_text(text), None, "{text}");
        }
    }
}
