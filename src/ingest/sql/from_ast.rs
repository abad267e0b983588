//! Turns sqlparser statements into schema [`Change`]s.
//!
//! Only statements that change tables matter; everything else (GRANT,
//! COMMENT, functions, triggers, indexes, data) yields no change.

use super::change::{
    Change, ColumnPosition, ColumnSpec, ConstraintSpec, CreateTableSpec, ForeignKeySpec, RawName,
    ReferenceSpec,
};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, ColumnOptionDef, CreateTableLikeKind,
    DataType, Expr, Ident, IndexColumn, MySQLColumnPosition, ObjectName, ObjectType,
    RenameTableNameKind, Set, Statement, TableConstraint, Use, Value,
};

/// Folds an identifier the way the database does: quoted names keep their
/// case, unquoted ones are compared (and so reported) in lower case.
pub fn fold_ident(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

pub fn raw_name(name: &ObjectName) -> RawName {
    RawName::new(
        name.0
            .iter()
            .map(|part| match part.as_ident() {
                Some(ident) => fold_ident(ident),
                None => part.to_string().to_lowercase(),
            })
            .collect(),
    )
}

fn idents(list: &[Ident]) -> Vec<String> {
    list.iter().map(fold_ident).collect()
}

/// Column names of an index-style column list; expressions keep their text.
fn index_columns(list: &[IndexColumn]) -> Vec<String> {
    list.iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(ident) => fold_ident(ident),
            Expr::CompoundIdentifier(parts) => parts.last().map(fold_ident).unwrap_or_default(),
            other => other.to_string(),
        })
        .collect()
}

/// The changes one statement makes.
pub fn changes_of(statement: &Statement) -> Vec<Change> {
    match statement {
        Statement::CreateTable(create) => {
            let mut columns = Vec::with_capacity(create.columns.len());
            let mut constraints = Vec::new();
            for column in &create.columns {
                columns.push(column_spec(
                    &column.name,
                    &column.data_type,
                    &column.options,
                ));
            }
            for constraint in &create.constraints {
                constraints.extend(constraint_spec(constraint));
            }
            let partition_of = create
                .partition_of
                .as_ref()
                .or_else(|| create.inherits.as_ref().and_then(|parents| parents.first()))
                .map(raw_name);
            let like = create.like.as_ref().map(|like| match like {
                CreateTableLikeKind::Parenthesized(l) | CreateTableLikeKind::Plain(l) => {
                    raw_name(&l.name)
                }
            });
            vec![Change::CreateTable(CreateTableSpec {
                name: raw_name(&create.name),
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
            let table = raw_name(&alter.name);
            alter
                .operations
                .iter()
                .flat_map(|op| alter_operation(&table, op))
                .collect()
        }
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            cascade,
            ..
        } => {
            vec![Change::DropTables {
                names: names.iter().map(raw_name).collect(),
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
                name: raw_name(n).object().to_string(),
                cascade: *cascade,
            })
            .collect(),
        Statement::RenameTable(renames) => renames
            .iter()
            .map(|r| Change::RenameTable {
                from: raw_name(&r.old_name),
                to: raw_name(&r.new_name),
            })
            .collect(),
        Statement::Use(
            Use::Object(name) | Use::Database(name) | Use::Schema(name) | Use::Catalog(name),
        ) => vec![Change::UseDatabase(raw_name(name).object().to_string())],
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) if raw_name(variable).object() == "search_path" => {
            vec![Change::SetSearchPath(
                values.iter().filter_map(search_path_entry).collect(),
            )]
        }
        // A bare CREATE SCHEMA creates no table; the elements form is split
        // before parsing (`statement::schema_with_elements`).
        _ => Vec::new(),
    }
}

fn search_path_entry(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(fold_ident(ident)),
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

pub fn column_spec(name: &Ident, data_type: &DataType, options: &[ColumnOptionDef]) -> ColumnSpec {
    column_spec_from_options(
        name,
        data_type,
        options.iter().map(|o| (o.name.as_ref(), &o.option)),
    )
}

fn column_spec_from_options<'a>(
    name: &Ident,
    data_type: &DataType,
    options: impl IntoIterator<Item = (Option<&'a Ident>, &'a ColumnOption)>,
) -> ColumnSpec {
    let mut spec = ColumnSpec {
        name: fold_ident(name),
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
                    constraint: fk.name.as_ref().or(constraint_name).map(fold_ident),
                    table: raw_name(&fk.foreign_table),
                    columns: idents(&fk.referred_columns),
                });
            }
            _ => {}
        }
    }
    spec
}

fn constraint_spec(constraint: &TableConstraint) -> Option<ConstraintSpec> {
    match constraint {
        TableConstraint::PrimaryKey(pk) => Some(ConstraintSpec::PrimaryKey {
            name: pk.name.as_ref().map(fold_ident),
            columns: index_columns(&pk.columns),
        }),
        TableConstraint::Unique(u) => Some(ConstraintSpec::Unique {
            name: u.name.as_ref().or(u.index_name.as_ref()).map(fold_ident),
            columns: index_columns(&u.columns),
        }),
        TableConstraint::ForeignKey(fk) => Some(ConstraintSpec::ForeignKey(ForeignKeySpec {
            name: fk.name.as_ref().or(fk.index_name.as_ref()).map(fold_ident),
            columns: idents(&fk.columns),
            table: raw_name(&fk.foreign_table),
            referenced_columns: idents(&fk.referred_columns),
        })),
        _ => None,
    }
}

fn position(position: Option<&MySQLColumnPosition>) -> Option<ColumnPosition> {
    position.map(|p| match p {
        MySQLColumnPosition::First => ColumnPosition::First,
        MySQLColumnPosition::After(ident) => ColumnPosition::After(fold_ident(ident)),
    })
}

fn alter_operation(table: &RawName, op: &AlterTableOperation) -> Vec<Change> {
    let table = table.clone();
    let change = match op {
        AlterTableOperation::AddConstraint { constraint, .. } => {
            match constraint_spec(constraint) {
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
            column: column_spec(&column_def.name, &column_def.data_type, &column_def.options),
            position: position(column_position.as_ref()),
        },
        AlterTableOperation::DropColumn { column_names, .. } => {
            return column_names
                .iter()
                .map(|c| Change::DropColumn {
                    table: table.clone(),
                    column: fold_ident(c),
                })
                .collect();
        }
        AlterTableOperation::DropConstraint { name, .. } => Change::DropConstraint {
            table,
            name: fold_ident(name),
        },
        AlterTableOperation::DropPrimaryKey { .. } => Change::DropPrimaryKey { table },
        AlterTableOperation::DropForeignKey { name, .. } => Change::DropForeignKey {
            table,
            name: fold_ident(name),
        },
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => Change::RenameColumn {
            table,
            from: fold_ident(old_column_name),
            to: fold_ident(new_column_name),
        },
        AlterTableOperation::RenameTable { table_name } => {
            let to = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => raw_name(n),
            };
            Change::RenameTable { from: table, to }
        }
        AlterTableOperation::RenameConstraint { old_name, new_name } => Change::RenameConstraint {
            table,
            from: fold_ident(old_name),
            to: fold_ident(new_name),
        },
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => Change::RedefineColumn {
            table,
            old_name: fold_ident(old_name),
            column: column_spec_from_options(
                new_name,
                data_type,
                options.iter().map(|o| (None, o)),
            ),
            position: position(column_position.as_ref()),
        },
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => Change::RedefineColumn {
            table,
            old_name: fold_ident(col_name),
            column: column_spec_from_options(
                col_name,
                data_type,
                options.iter().map(|o| (None, o)),
            ),
            position: position(column_position.as_ref()),
        },
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = fold_ident(column_name);
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
            partition: raw_name(partition),
            inherits: false,
        },
        AlterTableOperation::DetachPartitionOf { partition, .. } => Change::DetachPartition {
            parent: table,
            partition: raw_name(partition),
        },
        AlterTableOperation::Inherit { parent } => Change::AttachPartition {
            parent: raw_name(parent),
            partition: table,
            inherits: true,
        },
        AlterTableOperation::NoInherit { parent } => Change::DetachPartition {
            parent: raw_name(parent),
            partition: table,
        },
        _ => return Vec::new(),
    };
    vec![change]
}
