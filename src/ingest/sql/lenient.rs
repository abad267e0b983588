//! The lenient fallback: recovers `CREATE TABLE` (columns, keys,
//! `REFERENCES`) and `ALTER TABLE … ADD` constraints from a statement that
//! sqlparser rejected, by walking its tokens.
//!
//! Real schemas are full of vendor clauses a general parser does not know;
//! the tables inside them should not be lost because of that.

use super::change::{
    Change, ColumnSpec, ConstraintSpec, CreateTableSpec, ForeignKeySpec, RawName, ReferenceSpec,
};
use sqlparser::dialect::{Dialect as SqlDialect, PostgreSqlDialect};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Word};

/// A change recovered from the tokens, with the 1-based line (within the
/// statement) where it starts.
pub type Recovered = (Change, u32);

/// Recovers what it can from `text`; an untokenizable statement yields nothing.
pub fn recover(text: &str, dialect: &dyn SqlDialect) -> Vec<Recovered> {
    let Ok(tokens) = Tokenizer::new(dialect, text).tokenize_with_location() else {
        return Vec::new();
    };
    let tokens: Vec<TokenWithSpan> = tokens
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut scanner = Scanner {
        tokens: &tokens,
        pos: 0,
        folds_unquoted: dialect.is::<PostgreSqlDialect>(),
    };
    let mut found = Vec::new();
    while scanner.pos < tokens.len() {
        let start = scanner.pos;
        let line = tokens[start].span.start.line as u32;
        let recovered = if scanner.is_word(0, "CREATE") {
            scanner.create_table()
        } else if scanner.is_word(0, "ALTER") && scanner.is_word(1, "TABLE") {
            scanner.alter_table()
        } else {
            None
        };
        match recovered {
            Some(changes) => found.extend(changes.into_iter().map(|c| (c, line.max(1)))),
            None => scanner.pos = start + 1,
        }
    }
    found
}

struct Scanner<'t> {
    tokens: &'t [TokenWithSpan],
    pos: usize,
    /// PostgreSQL folds unquoted names to lower case; the other servers
    /// keep them as written (see `Dialect::folds_unquoted_names`).
    folds_unquoted: bool,
}

/// Keywords that end a column's type and start its options.
const COLUMN_OPTION_WORDS: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "REFERENCES",
    "CONSTRAINT",
    "UNIQUE",
    "CHECK",
    "COLLATE",
    "GENERATED",
    "IDENTITY",
    "AUTO_INCREMENT",
    "AUTOINCREMENT",
    "COMMENT",
    "AS",
    "ON",
    "CHARACTER",
];

impl<'t> Scanner<'t> {
    fn token(&self, ahead: usize) -> Option<&'t Token> {
        self.tokens.get(self.pos + ahead).map(|t| &t.token)
    }

    fn word(&self, ahead: usize) -> Option<&'t Word> {
        match self.token(ahead) {
            Some(Token::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn is_word(&self, ahead: usize, keyword: &str) -> bool {
        self.word(ahead)
            .is_some_and(|w| w.quote_style.is_none() && w.value.eq_ignore_ascii_case(keyword))
    }

    fn eat_word(&mut self, keyword: &str) -> bool {
        let yes = self.is_word(0, keyword);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn eat(&mut self, token: &Token) -> bool {
        let yes = self.token(0) == Some(token);
        if yes {
            self.pos += 1;
        }
        yes
    }

    /// The name a word gives, folded as the dialect does.
    fn fold(&self, word: &Word) -> String {
        if word.quote_style.is_none() && self.folds_unquoted {
            word.value.to_lowercase()
        } else {
            word.value.clone()
        }
    }

    /// `a.b.c` as folded parts.
    fn name(&mut self) -> Option<RawName> {
        let mut parts = vec![self.fold(self.word(0)?)];
        self.pos += 1;
        while self.token(0) == Some(&Token::Period) {
            let Some(w) = self.word(1) else { break };
            parts.push(self.fold(w));
            self.pos += 2;
        }
        Some(RawName::new(parts))
    }

    /// `( a, b )` as folded names; expressions and sort orders are skipped.
    fn column_list(&mut self) -> Option<Vec<String>> {
        if !self.eat(&Token::LParen) {
            return None;
        }
        let mut columns = Vec::new();
        let mut depth = 1;
        let mut expect_name = true;
        while let Some(token) = self.token(0) {
            self.pos += 1;
            match token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(columns);
                    }
                }
                Token::Comma if depth == 1 => expect_name = true,
                Token::Word(w) if depth == 1 && expect_name => {
                    columns.push(self.fold(w));
                    expect_name = false;
                }
                _ => {}
            }
        }
        Some(columns)
    }

    fn create_table(&mut self) -> Option<Vec<Change>> {
        let start = self.pos;
        self.pos += 1;
        let or_replace = self.is_word(0, "OR") && self.is_word(1, "REPLACE");
        if or_replace {
            self.pos += 2;
        }
        while ["GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED"]
            .iter()
            .any(|k| self.is_word(0, k))
        {
            self.pos += 1;
        }
        if !self.eat_word("TABLE") {
            self.pos = start;
            return None;
        }
        let if_not_exists =
            self.is_word(0, "IF") && self.is_word(1, "NOT") && self.is_word(2, "EXISTS");
        if if_not_exists {
            self.pos += 3;
        }
        let name = self.name()?;
        let mut spec = CreateTableSpec {
            name,
            if_not_exists,
            or_replace,
            columns: Vec::new(),
            constraints: Vec::new(),
            partition_of: None,
            inherits: false,
            like: None,
        };
        if self.is_word(0, "PARTITION") && self.is_word(1, "OF") {
            self.pos += 2;
            spec.partition_of = self.name();
        }
        if self.is_word(0, "LIKE") {
            self.pos += 1;
            spec.like = self.name();
        }
        if self.token(0) == Some(&Token::LParen) {
            self.pos += 1;
            self.table_elements(&mut spec);
        }
        if self.is_word(0, "INHERITS") && self.token(1) == Some(&Token::LParen) {
            self.pos += 2;
            if let Some(parent) = self.name() {
                if spec.partition_of.is_none() {
                    spec.partition_of = Some(parent);
                    spec.inherits = true;
                }
            }
        }
        Some(vec![Change::CreateTable(spec)])
    }

    /// The elements between the parentheses of `CREATE TABLE`; the opening
    /// parenthesis is already consumed.
    fn table_elements(&mut self, spec: &mut CreateTableSpec) {
        loop {
            let element_end = self.element_end();
            if self.pos < element_end {
                let tokens = &self.tokens[self.pos..element_end];
                let mut element = Scanner {
                    tokens,
                    pos: 0,
                    folds_unquoted: self.folds_unquoted,
                };
                element.table_element(spec);
            }
            self.pos = element_end;
            match self.token(0) {
                Some(Token::Comma) => self.pos += 1,
                Some(Token::RParen) => {
                    self.pos += 1;
                    return;
                }
                _ => return,
            }
        }
    }

    /// The index of the `,` or `)` that ends the element starting here.
    fn element_end(&self) -> usize {
        let mut depth = 0usize;
        let mut i = self.pos;
        while let Some(t) = self.tokens.get(i) {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen if depth == 0 => return i,
                Token::RParen => depth -= 1,
                Token::Comma if depth == 0 => return i,
                _ => {}
            }
            i += 1;
        }
        i
    }

    fn table_element(&mut self, spec: &mut CreateTableSpec) {
        let mut constraint_name = None;
        if self.eat_word("CONSTRAINT") {
            constraint_name = self.word(0).map(|w| self.fold(w));
            self.pos += 1;
        }
        if let Some(constraint) = self.constraint(constraint_name.clone()) {
            spec.constraints.push(constraint);
            return;
        }
        // `fulltext tsvector` is a column; `FULLTEXT KEY (…)` is an index.
        let index_of_kind = ["FULLTEXT", "SPATIAL"].iter().any(|k| self.is_word(0, k))
            && (self.is_word(1, "KEY") || self.is_word(1, "INDEX"));
        if constraint_name.is_some()
            || index_of_kind
            || ["KEY", "INDEX", "CHECK", "EXCLUDE", "PERIOD"]
                .iter()
                .any(|k| self.is_word(0, k))
        {
            return;
        }
        if let Some(column) = self.column() {
            spec.columns.push(column);
        }
    }

    /// `PRIMARY KEY (…)`, `UNIQUE [KEY] [name] (…)`, `FOREIGN KEY [name] (…) REFERENCES t [(…)]`.
    fn constraint(&mut self, name: Option<String>) -> Option<ConstraintSpec> {
        if self.is_word(0, "PRIMARY") && self.is_word(1, "KEY") {
            self.pos += 2;
            self.skip_words(&["CLUSTERED", "NONCLUSTERED", "USING", "BTREE", "HASH"]);
            let columns = self.column_list()?;
            return Some(ConstraintSpec::PrimaryKey { name, columns });
        }
        if self.is_word(0, "UNIQUE") {
            self.pos += 1;
            self.skip_words(&["KEY", "INDEX", "CLUSTERED", "NONCLUSTERED"]);
            let mut name = name;
            if let Some(w) = self.word(0) {
                name.get_or_insert(self.fold(w));
                self.pos += 1;
            }
            let columns = self.column_list()?;
            return Some(ConstraintSpec::Unique { name, columns });
        }
        if self.is_word(0, "FOREIGN") && self.is_word(1, "KEY") {
            self.pos += 2;
            let mut name = name;
            if let Some(w) = self.word(0) {
                name.get_or_insert(self.fold(w));
                self.pos += 1;
            }
            let columns = self.column_list()?;
            if !self.eat_word("REFERENCES") {
                return None;
            }
            let table = self.name()?;
            let referenced_columns = self.column_list().unwrap_or_default();
            return Some(ConstraintSpec::ForeignKey(ForeignKeySpec {
                name,
                columns,
                table,
                referenced_columns,
            }));
        }
        None
    }

    fn skip_words(&mut self, words: &[&str]) {
        while words.iter().any(|w| self.is_word(0, w)) {
            self.pos += 1;
        }
    }

    fn column(&mut self) -> Option<ColumnSpec> {
        let name = self.fold(self.word(0)?);
        self.pos += 1;
        let mut type_tokens = Vec::new();
        let mut depth = 0usize;
        while let Some(token) = self.token(0) {
            let is_option = matches!(token, Token::Word(w) if w.quote_style.is_none()
                && COLUMN_OPTION_WORDS.iter().any(|k| w.value.eq_ignore_ascii_case(k)));
            if depth == 0 && is_option {
                break;
            }
            match token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                _ => {}
            }
            type_tokens.push(token.to_string());
            self.pos += 1;
        }
        let data_type = tidy_type(&type_tokens);
        let lower = data_type.to_ascii_lowercase();
        let mut spec = ColumnSpec {
            name,
            nullable: matches!(lower.as_str(), "serial" | "bigserial" | "smallserial")
                .then_some(false),
            data_type,
            primary_key: false,
            unique: false,
            references: None,
        };
        let mut constraint_name = None;
        while self.token(0).is_some() {
            if self.is_word(0, "NOT") && self.is_word(1, "NULL") {
                spec.nullable = Some(false);
                self.pos += 2;
            } else if self.eat_word("NULL") {
                spec.nullable = Some(true);
            } else if self.is_word(0, "PRIMARY") && self.is_word(1, "KEY") {
                spec.primary_key = true;
                self.pos += 2;
            } else if self.eat_word("UNIQUE") {
                spec.unique = true;
            } else if self.eat_word("CONSTRAINT") {
                constraint_name = self.word(0).map(|w| self.fold(w));
                self.pos += 1;
            } else if self.eat_word("REFERENCES") {
                let table = self.name()?;
                let columns = self.column_list().unwrap_or_default();
                spec.references = Some(ReferenceSpec {
                    constraint: constraint_name.take(),
                    table,
                    columns,
                });
            } else {
                self.pos += 1;
            }
        }
        Some(spec)
    }

    fn alter_table(&mut self) -> Option<Vec<Change>> {
        self.pos += 2;
        self.skip_words(&["ONLY"]);
        if self.is_word(0, "IF") && self.is_word(1, "EXISTS") {
            self.pos += 2;
        }
        let table = self.name()?;
        let mut changes = Vec::new();
        // Walk to the end of this ALTER (the next CREATE/ALTER at depth 0
        // starts another statement in a batch without semicolons).
        let mut depth = 0usize;
        while let Some(token) = self.token(0) {
            match token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::SemiColon if depth == 0 => break,
                _ => {}
            }
            if depth == 0
                && (self.is_word(0, "CREATE")
                    || (self.is_word(0, "ALTER") && self.is_word(1, "TABLE")))
            {
                break;
            }
            if depth == 0 && self.is_word(0, "ADD") {
                self.pos += 1;
                let mut name = None;
                if self.eat_word("CONSTRAINT") {
                    name = self.word(0).map(|w| self.fold(w));
                    self.pos += 1;
                }
                if let Some(constraint) = self.constraint(name) {
                    changes.push(Change::AddConstraint {
                        table: table.clone(),
                        constraint,
                    });
                }
                continue;
            }
            self.pos += 1;
        }
        Some(changes)
    }
}

/// Joins type tokens the way people write them: `varchar(45)`, `numeric(4, 2)`.
fn tidy_type(tokens: &[String]) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| tokens[p].as_str());
        let glue = matches!(t.as_str(), "(" | ")" | "," | "[" | "]")
            || matches!(prev, Some("(") | Some("[") | None);
        if !glue {
            out.push(' ');
        }
        out.push_str(t);
        if t == "," {
            out.push(' ');
        }
    }
    out
}
