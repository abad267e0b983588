//! The evidence kinds carve can weigh, each switchable on the command line
//! (`--signals fk,inferred-fk,code,co-access,deps,names` or `all`).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One kind of evidence that two tables belong together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    /// Declared foreign keys.
    ForeignKeys,
    /// Foreign keys guessed from column names (`customer_id` → `customers`).
    InferredForeignKeys,
    /// Tables read or written by the same module.
    CodeAccess,
    /// Tables touched together by one function.
    CoAccess,
    /// Tables of modules that depend on each other.
    ModuleDependencies,
    /// Same schema, or a common name stem (`order_items` ~ `orders`).
    Names,
}

impl Signal {
    pub const ALL: [Signal; 6] = [
        Signal::ForeignKeys,
        Signal::InferredForeignKeys,
        Signal::CodeAccess,
        Signal::CoAccess,
        Signal::ModuleDependencies,
        Signal::Names,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Signal::ForeignKeys => "fk",
            Signal::InferredForeignKeys => "inferred-fk",
            Signal::CodeAccess => "code",
            Signal::CoAccess => "co-access",
            Signal::ModuleDependencies => "deps",
            Signal::Names => "names",
        }
    }

    /// Every signal.
    pub fn all() -> BTreeSet<Signal> {
        Signal::ALL.into_iter().collect()
    }

    /// Parses a comma-separated list such as `fk,inferred-fk` or `all`.
    pub fn parse_list(text: &str) -> Result<BTreeSet<Signal>, ParseSignalError> {
        let mut out = BTreeSet::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("all") {
                out.extend(Signal::ALL);
            } else {
                out.insert(part.parse()?);
            }
        }
        if out.is_empty() {
            return Err(ParseSignalError(text.to_string()));
        }
        Ok(out)
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A signal name carve does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown signal `{0}`: expected fk, inferred-fk, code, co-access, deps, names or all")]
pub struct ParseSignalError(pub String);

impl FromStr for Signal {
    type Err = ParseSignalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Signal::ALL
            .into_iter()
            .find(|signal| signal.name() == wanted)
            .ok_or_else(|| ParseSignalError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_names() {
        for signal in Signal::ALL {
            assert_eq!(signal.to_string().parse::<Signal>(), Ok(signal));
        }
        assert_eq!(Signal::parse_list("all").unwrap(), Signal::all());
        assert_eq!(
            Signal::parse_list("fk, inferred-fk").unwrap(),
            [Signal::ForeignKeys, Signal::InferredForeignKeys].into()
        );
        assert!(Signal::parse_list("fk,bogus").is_err());
        assert!(Signal::parse_list("").is_err());
    }
}
