//! Recognizing migration files and ordering them the way their tool does.
//!
//! - diesel: `<version>_<name>/up.sql`, the version compared with its
//!   dashes removed, so `20170923…` and `2019-03-01-…` interleave correctly;
//! - sqlx: `<version>_<name>.sql` or `.up.sql`;
//! - refinery / flyway: `V<n>__<name>.sql`, versions compared numerically
//!   part by part (V1 < V1_1 < V2 < V10), repeatable `R__` scripts last;
//! - golang-migrate: `<n>_<name>.up.sql`;
//! - plain numbered files: `001-create.sql`.
//!
//! Down and undo migrations are never applied.

use std::cmp::Ordering;

/// Where a migration file stands in its tool's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationKey {
    /// A versioned migration: its version as numeric parts.
    Versioned(Vec<u128>),
    /// A version compared as text, the way diesel orders its folders.
    Text(String),
    /// Flyway's repeatable migrations run after all versioned ones.
    Repeatable(String),
}

impl MigrationKey {
    /// Versioned and textual keys sort among themselves; repeatable last.
    fn rank(&self) -> u8 {
        match self {
            MigrationKey::Versioned(_) => 0,
            MigrationKey::Text(_) => 1,
            MigrationKey::Repeatable(_) => 2,
        }
    }
}

impl Ord for MigrationKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (MigrationKey::Versioned(a), MigrationKey::Versioned(b)) => a.cmp(b),
            (MigrationKey::Text(a), MigrationKey::Text(b))
            | (MigrationKey::Repeatable(a), MigrationKey::Repeatable(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for MigrationKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What a `.sql` file name says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRole {
    /// Apply it, at this position.
    Up(MigrationKey),
    /// A down / undo migration: never applied.
    Down,
    /// Not named like a migration.
    Other,
}

/// A run of ASCII digits, as a number (saturating for absurd lengths).
fn number(digits: &str) -> u128 {
    digits.bytes().fold(0u128, |n, b| {
        n.saturating_mul(10).saturating_add(u128::from(b - b'0'))
    })
}

fn leading_digits(s: &str) -> &str {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    &s[..end]
}

/// Classifies a migration file by its name (not its folder).
pub fn classify_file(file_name: &str) -> FileRole {
    let lower = file_name.to_ascii_lowercase();
    let Some(stem) = lower.strip_suffix(".sql") else {
        return FileRole::Other;
    };
    if stem.ends_with(".down") || stem.ends_with("_down") || stem.ends_with(".undo") {
        return FileRole::Down;
    }
    let bytes = file_name.as_bytes();
    // Flyway / refinery: V<version>__<description>, U<version>__ (undo), R__<description>.
    if let Some((prefix, _)) = file_name.split_once("__") {
        let first = bytes[0];
        if (first == b'V' || first == b'v') && prefix.len() > 1 {
            let version = &prefix[1..];
            if version
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
                && version.bytes().next().is_some_and(|b| b.is_ascii_digit())
            {
                let parts = version
                    .split(['.', '_'])
                    .filter(|p| !p.is_empty())
                    .map(number)
                    .collect();
                return FileRole::Up(MigrationKey::Versioned(parts));
            }
        }
        if (first == b'U' || first == b'u')
            && prefix[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
        {
            return FileRole::Down;
        }
        if prefix.eq_ignore_ascii_case("R") {
            return FileRole::Up(MigrationKey::Repeatable(file_name.to_string()));
        }
    }
    // sqlx, golang-migrate, plain numbered: <digits><separator><name>.
    let digits = leading_digits(stem);
    if !digits.is_empty() {
        let rest = &stem[digits.len()..];
        if rest.is_empty() || rest.starts_with(['_', '-', '.', ' ']) {
            return FileRole::Up(MigrationKey::Versioned(vec![number(digits)]));
        }
    }
    FileRole::Other
}

/// The version of a diesel migration folder `<version>_<name>`, with the
/// dashes of the newer `2019-03-01-120000` style removed. diesel compares
/// versions as text, so `2024-03-13_170000_x` (version `20240313`) sorts
/// between `20240306170000` and `20240605000000`, and so does carve.
pub fn diesel_folder_key(folder_name: &str) -> Option<MigrationKey> {
    let version = folder_name.split('_').next()?;
    let digits: String = version.chars().filter(|c| *c != '-').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(MigrationKey::Text(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> MigrationKey {
        match classify_file(name) {
            FileRole::Up(k) => k,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn flyway_versions_compare_numerically_part_by_part() {
        let mut names = vec![
            "V10__c.sql",
            "V2__b.sql",
            "V1_1__a2.sql",
            "V1__a.sql",
            "R__views.sql",
            "V1.2__a3.sql",
        ];
        names.sort_by_key(|n| key(n));
        assert_eq!(
            names,
            [
                "V1__a.sql",
                "V1_1__a2.sql",
                "V1.2__a3.sql",
                "V2__b.sql",
                "V10__c.sql",
                "R__views.sql"
            ]
        );
    }

    #[test]
    fn down_and_undo_migrations_are_recognized() {
        for name in [
            "000001_init.down.sql",
            "20200101_x.down.sql",
            "U2__undo.sql",
        ] {
            assert_eq!(classify_file(name), FileRole::Down, "{name}");
        }
        assert_eq!(classify_file("notes.sql"), FileRole::Other);
        assert_eq!(classify_file("README.md"), FileRole::Other);
    }

    #[test]
    fn golang_migrate_and_plain_numbers_sort_numerically() {
        let mut names = vec!["10_x.up.sql", "2_y.up.sql", "1_z.up.sql"];
        names.sort_by_key(|n| key(n));
        assert_eq!(names, ["1_z.up.sql", "2_y.up.sql", "10_x.up.sql"]);
        assert!(key("010-create.sql") > key("002-alter.sql"));
    }

    #[test]
    fn a_short_diesel_version_sorts_as_text() {
        let mut folders = vec![
            "20240605000000_c",
            "2024-03-13_170000_b",
            "20240306170000_a",
        ];
        folders.sort_by_key(|f| diesel_folder_key(f).unwrap());
        assert_eq!(
            folders,
            [
                "20240306170000_a",
                "2024-03-13_170000_b",
                "20240605000000_c"
            ]
        );
    }

    #[test]
    fn diesel_versions_interleave_across_styles() {
        let mut folders = vec![
            "2019-03-01-120000_b",
            "20170923153000_a",
            "2018-01-01-000000_c",
            "00000000000000_diesel_initial_setup",
        ];
        folders.sort_by_key(|f| diesel_folder_key(f).unwrap());
        assert_eq!(
            folders,
            [
                "00000000000000_diesel_initial_setup",
                "20170923153000_a",
                "2018-01-01-000000_c",
                "2019-03-01-120000_b"
            ]
        );
    }
}
