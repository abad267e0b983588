//! What a column type means, independent of how a dialect spells it and of
//! what carve generates from it: the one vocabulary the event-schema and
//! service mappers both start from.

/// A whole-number type: its storage width and whether it has a sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integer {
    /// Storage width in bits: 8, 16, 24 (MySQL's `MEDIUMINT`), 32 or 64.
    pub bits: u8,
    pub signed: bool,
}

impl Integer {
    pub const fn signed(bits: u8) -> Integer {
        Integer { bits, signed: true }
    }

    pub const fn unsigned(bits: u8) -> Integer {
        Integer {
            bits,
            signed: false,
        }
    }

    /// The width of the smallest signed integer that holds every value:
    /// an unsigned type needs one bit more than it stores.
    pub fn signed_bits_needed(self) -> u8 {
        self.bits + u8::from(!self.signed)
    }
}

/// A column type's meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlTypeClass {
    Integer(Integer),
    Boolean,
    /// Single-precision binary floating point.
    Float,
    /// Double-precision binary floating point.
    Double,
    /// An exact decimal. Without a precision the column takes any scale
    /// per value (PostgreSQL's bare `NUMERIC`); a precision without a scale
    /// means scale 0.
    Decimal {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    /// Character data: `length` when the declaration bounds it, `fixed` for
    /// blank-padded `CHAR`.
    Text {
        length: Option<u32>,
        fixed: bool,
    },
    Binary,
    Uuid,
    Date,
    Time {
        with_time_zone: bool,
    },
    /// A date and time. `with_time_zone` when the database stores an instant
    /// (PostgreSQL's `timestamptz`, MySQL's UTC `TIMESTAMP`); `precision` in
    /// fractional-second digits, the dialect's default when not written.
    Timestamp {
        with_time_zone: bool,
        precision: Option<u32>,
    },
    Interval,
    Json,
    /// A closed list of text values, unquoted.
    Enum(Vec<String>),
    Array(Box<SqlTypeClass>),
    /// No dialect rule knows it (user-defined types, extensions, typos):
    /// the type as written.
    Unknown(String),
}
