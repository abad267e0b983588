//! Turns sqlparser statements into schema [`Change`]s.
//!
//! Only statements that change tables matter; everything else (GRANT,
//! COMMENT, functions, triggers, indexes, data) yields no change.

use super::change::{
    Change, ColumnPosition, ColumnSpec, ConstraintSpec, CreateTableSpec, ForeignKeySpec, RawName,
    ReferenceSpec,
};
use crate::model::Dialect;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, ColumnOptionDef, CreateTableLikeKind,
    DataType, Expr, Ident, IndexColumn, MySQLColumnPosition, ObjectName, ObjectType,
    RenameTableNameKind, Set, Statement, TableConstraint, Use, Value,
};

/// PostgreSQL's reading of an identifier: quoted names keep their case,
/// unquoted ones are folded to lower case. For SQL whose dialect is not
/// known (queries in Rust code); schema scripts use [`ident_name`].
pub fn fold_ident(ident: &Ident) -> String {
    ident_name(ident, Dialect::Postgres)
}

/// The name an identifier gives in `dialect`: PostgreSQL folds unquoted
/// names to lower case; SQL Server, MySQL and SQLite keep every name as
/// written (they compare some names case-insensitively instead, which
/// replay handles).
pub fn ident_name(ident: &Ident, dialect: Dialect) -> String {
    if ident.quote_style.is_none() && dialect.folds_unquoted_names() {
        ident.value.to_lowercase()
    } else {
        ident.value.clone()
    }
}

pub fn raw_name(name: &ObjectName, dialect: Dialect) -> RawName {
    RawName::new(
        name.0
            .iter()
            .map(|part| match part.as_ident() {
                Some(ident) => ident_name(ident, dialect),
                None if dialect.folds_unquoted_names() => part.to_string().to_lowercase(),
                None => part.to_string(),
            })
            .collect(),
    )
}

fn idents(list: &[Ident], dialect: Dialect) -> Vec<String> {
    list.iter().map(|i| ident_name(i, dialect)).collect()
}

/// Column names of an index-style column list; expressions keep their text.
fn index_columns(list: &[IndexColumn], dialect: Dialect) -> Vec<String> {
    list.iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(ident) => ident_name(ident, dialect),
            Expr::CompoundIdentifier(parts) => parts
                .last()
                .map(|i| ident_name(i, dialect))
                .unwrap_or_default(),
            other => other.to_string(),
        })
        .collect()
}

/// The changes one statement makes.
pub fn changes_of(statement: &Statement, dialect: Dialect) -> Vec<Change> {
    match statement {
        Statement::CreateTable(create) => {
            let mut columns = Vec::with_capacity(create.columns.len());
            let mut constraints = Vec::new();
            for column in &create.columns {
                columns.push(column_spec(
                    &column.name,
                    &column.data_type,
                    &column.options,
                    dialect,
                ));
            }
            for constraint in &create.constraints {
                constraints.extend(constraint_spec(constraint, dialect));
            }
            let partition_of = create
                .partition_of
                .as_ref()
                .or_else(|| create.inherits.as_ref().and_then(|parents| parents.first()))
                .map(|n| raw_name(n, dialect));
            let like = create.like.as_ref().map(|like| match like {
                CreateTableLikeKind::Parenthesized(l) | CreateTableLikeKind::Plain(l) => {
                    raw_name(&l.name, dialect)
                }
            });
            vec![Change::CreateTable(CreateTableSpec {
                name: raw_name(&create.name, dialect),
                if_not_exists: create.if_not_exists,
                or_replace: create.or_replace,
                columns,
                constraints,
                inherits: create.partition_of.is_none() && partition_of.is_some(),
                partition_of,
                like,
            })]
        }
        Statement::AlterTable(alter) => {
            let table = raw_name(&alter.name, dialect);
            alter
                .operations
                .iter()
                .flat_map(|op| alter_operation(&table, op, dialect))
                .collect()
        }
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            cascade,
            ..
        } => {
            vec![Change::DropTables {
                names: names.iter().map(|n| raw_name(n, dialect)).collect(),
                cascade: *cascade,
            }]
        }
        Statement::Drop {
            object_type: ObjectType::Schema,
            names,
            cascade,
            ..
        } => names
            .iter()
            .map(|n| Change::DropSchema {
                name: raw_name(n, dialect).object().to_string(),
                cascade: *cascade,
            })
            .collect(),
        Statement::RenameTable(renames) => renames
            .iter()
            .map(|r| Change::RenameTable {
                from: raw_name(&r.old_name, dialect),
                to: raw_name(&r.new_name, dialect),
            })
            .collect(),
        Statement::Use(
            Use::Object(name) | Use::Database(name) | Use::Schema(name) | Use::Catalog(name),
        ) => vec![Change::UseDatabase(
            raw_name(name, dialect).object().to_string(),
        )],
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) if raw_name(variable, dialect)
            .object()
            .eq_ignore_ascii_case("search_path") =>
        {
            vec![Change::SetSearchPath(
                values
                    .iter()
                    .filter_map(|v| search_path_entry(v, dialect))
                    .collect(),
            )]
        }
        // A bare CREATE SCHEMA creates no table; the elements form is split
        // before parsing (`statement::schema_with_elements`).
        _ => Vec::new(),
    }
}

fn search_path_entry(expr: &Expr, dialect: Dialect) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident_name(ident, dialect)),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn is_serial(data_type: &DataType) -> bool {
    match data_type {
        DataType::Custom(name, _) => {
            let n = name.to_string().to_ascii_lowercase();
            matches!(
                n.as_str(),
                "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"
            )
        }
        _ => false,
    }
}

pub fn column_spec(
    name: &Ident,
    data_type: &DataType,
    options: &[ColumnOptionDef],
    dialect: Dialect,
) -> ColumnSpec {
    column_spec_from_options(
        name,
        data_type,
        dialect,
        options.iter().map(|o| (o.name.as_ref(), &o.option)),
    )
}

fn column_spec_from_options<'a>(
    name: &Ident,
    data_type: &DataType,
    dialect: Dialect,
    options: impl IntoIterator<Item = (Option<&'a Ident>, &'a ColumnOption)>,
) -> ColumnSpec {
    let mut spec = ColumnSpec {
        name: ident_name(name, dialect),
        data_type: data_type.to_string(),
        nullable: None,
        primary_key: false,
        unique: false,
        references: None,
    };
    if is_serial(data_type) {
        // PostgreSQL's serial types are NOT NULL by definition.
        spec.nullable = Some(false);
    }
    for (constraint_name, option) in options {
        match option {
            ColumnOption::Null => spec.nullable = Some(true),
            ColumnOption::NotNull => spec.nullable = Some(false),
            ColumnOption::PrimaryKey(_) => spec.primary_key = true,
            ColumnOption::Unique(_) => spec.unique = true,
            ColumnOption::ForeignKey(fk) => {
                spec.references = Some(ReferenceSpec {
                    constraint: fk
                        .name
                        .as_ref()
                        .or(constraint_name)
                        .map(|i| ident_name(i, dialect)),
                    table: raw_name(&fk.foreign_table, dialect),
                    columns: idents(&fk.referred_columns, dialect),
                });
            }
            _ => {}
        }
    }
    spec
}

fn constraint_spec(constraint: &TableConstraint, dialect: Dialect) -> Option<ConstraintSpec> {
    match constraint {
        TableConstraint::PrimaryKey(pk) => Some(ConstraintSpec::PrimaryKey {
            name: pk.name.as_ref().map(|i| ident_name(i, dialect)),
            columns: index_columns(&pk.columns, dialect),
        }),
        TableConstraint::Unique(u) => Some(ConstraintSpec::Unique {
            name: u
                .name
                .as_ref()
                .or(u.index_name.as_ref())
                .map(|i| ident_name(i, dialect)),
            columns: index_columns(&u.columns, dialect),
        }),
        TableConstraint::ForeignKey(fk) => Some(ConstraintSpec::ForeignKey(ForeignKeySpec {
            name: fk
                .name
                .as_ref()
                .or(fk.index_name.as_ref())
                .map(|i| ident_name(i, dialect)),
            columns: idents(&fk.columns, dialect),
            table: raw_name(&fk.foreign_table, dialect),
            referenced_columns: idents(&fk.referred_columns, dialect),
        })),
        _ => None,
    }
}

fn position(position: Option<&MySQLColumnPosition>, dialect: Dialect) -> Option<ColumnPosition> {
    position.map(|p| match p {
        MySQLColumnPosition::First => ColumnPosition::First,
        MySQLColumnPosition::After(ident) => ColumnPosition::After(ident_name(ident, dialect)),
    })
}

fn alter_operation(table: &RawName, op: &AlterTableOperation, dialect: Dialect) -> Vec<Change> {
    let table = table.clone();
    let change = match op {
        AlterTableOperation::AddConstraint { constraint, .. } => {
            match constraint_spec(constraint, dialect) {
                Some(constraint) => Change::AddConstraint { table, constraint },
                None => return Vec::new(),
            }
        }
        AlterTableOperation::AddColumn {
            column_def,
            column_position,
            ..
        } => Change::AddColumn {
            table,
            column: column_spec(
                &column_def.name,
                &column_def.data_type,
                &column_def.options,
                dialect,
            ),
            position: position(column_position.as_ref(), dialect),
        },
        AlterTableOperation::DropColumn { column_names, .. } => {
            return column_names
                .iter()
                .map(|c| Change::DropColumn {
                    table: table.clone(),
                    column: ident_name(c, dialect),
                })
                .collect();
        }
        AlterTableOperation::DropConstraint { name, .. } => Change::DropConstraint {
            table,
            name: ident_name(name, dialect),
        },
        AlterTableOperation::DropPrimaryKey { .. } => Change::DropPrimaryKey { table },
        AlterTableOperation::DropForeignKey { name, .. } => Change::DropForeignKey {
            table,
            name: ident_name(name, dialect),
        },
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => Change::RenameColumn {
            table,
            from: ident_name(old_column_name, dialect),
            to: ident_name(new_column_name, dialect),
        },
        AlterTableOperation::RenameTable { table_name } => {
            let to = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => raw_name(n, dialect),
            };
            Change::RenameTable { from: table, to }
        }
        AlterTableOperation::RenameConstraint { old_name, new_name } => Change::RenameConstraint {
            table,
            from: ident_name(old_name, dialect),
            to: ident_name(new_name, dialect),
        },
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => Change::RedefineColumn {
            table,
            old_name: ident_name(old_name, dialect),
            column: column_spec_from_options(
                new_name,
                data_type,
                dialect,
                options.iter().map(|o| (None, o)),
            ),
            position: position(column_position.as_ref(), dialect),
        },
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => Change::RedefineColumn {
            table,
            old_name: ident_name(col_name, dialect),
            column: column_spec_from_options(
                col_name,
                data_type,
                dialect,
                options.iter().map(|o| (None, o)),
            ),
            position: position(column_position.as_ref(), dialect),
        },
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = ident_name(column_name, dialect);
            match op {
                AlterColumnOperation::SetNotNull => Change::SetColumnNullable {
                    table,
                    column,
                    nullable: false,
                },
                AlterColumnOperation::DropNotNull => Change::SetColumnNullable {
                    table,
                    column,
                    nullable: true,
                },
                AlterColumnOperation::SetDataType { data_type, .. } => Change::SetColumnType {
                    table,
                    column,
                    data_type: data_type.to_string(),
                },
                _ => return Vec::new(),
            }
        }
        AlterTableOperation::AttachPartitionOf { partition, .. } => Change::AttachPartition {
            parent: table,
            partition: raw_name(partition, dialect),
            inherits: false,
        },
        AlterTableOperation::DetachPartitionOf { partition, .. } => Change::DetachPartition {
            parent: table,
            partition: raw_name(partition, dialect),
        },
        AlterTableOperation::Inherit { parent } => Change::AttachPartition {
            parent: raw_name(parent, dialect),
            partition: table,
            inherits: true,
        },
        AlterTableOperation::NoInherit { parent } => Change::DetachPartition {
            parent: raw_name(parent, dialect),
            partition: table,
        },
        _ => return Vec::new(),
    };
    vec![change]
}
