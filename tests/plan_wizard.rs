//! The planning wizard in a real pseudo-terminal: the `carve` binary is
//! driven with key presses, as a person would, on a copy of the shop.

mod common;

use expectrl::session::OsSession as Session;
use expectrl::{Eof, Expect};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";

use common::shop_copy;

fn wizard(shop: &Path) -> Session {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carve"));
    command
        .current_dir(shop)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .args(["plan", "--yes"]);
    let mut session = Session::spawn(command).expect("spawn carve in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    session
}

/// Picks entry `index` of the menu or list now on screen.
fn pick(session: &mut Session, prompt: &str, index: usize) {
    session
        .expect(prompt)
        .unwrap_or_else(|e| panic!("waiting for `{prompt}`: {e}"));
    for _ in 0..index {
        session.send(DOWN).unwrap();
    }
    session.send(ENTER).unwrap();
}

/// Ticks entries of a multi-select, then confirms.
fn tick(session: &mut Session, prompt: &str, indexes: &[usize]) {
    session.expect(prompt).unwrap();
    let mut at = 0;
    for &i in indexes {
        for _ in at..i {
            session.send(DOWN).unwrap();
        }
        at = i;
        session.send(" ").unwrap();
    }
    session.send(ENTER).unwrap();
}

fn type_line(session: &mut Session, prompt: &str, text: &str) {
    session.expect(prompt).unwrap();
    session.send(text).unwrap();
    session.send(ENTER).unwrap();
}

/// The menu's entries, by position.
const RENAME: usize = 1;
const MOVE_TABLES: usize = 2;
const MERGE: usize = 4;
const SAVE: usize = 12;
const QUIT: usize = 13;

/// Every table of the shop, as the move-tables list shows them (sorted).
const TABLES: &[&str] = &[
    "carriers",
    "categories",
    "countries",
    "customer_addresses",
    "customers",
    "order_items",
    "orders",
    "payments",
    "product_images",
    "products",
    "refunds",
    "shipment_items",
    "shipments",
    "stock_levels",
    "stock_movements",
    "warehouses",
];

fn services(plan: &str) -> Vec<(String, Vec<String>)> {
    let value: toml::Value = toml::from_str(plan).unwrap();
    value["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let tables = s["tables"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            (s["name"].as_str().unwrap().to_string(), tables)
        })
        .collect()
}

const ANSWERS: &str = r#"
[[actions]]
action = "rename"
service = "catalog"
to = "products"

[[actions]]
action = "move-tables"
tables = ["stock_movements"]
to = "shipping"

[[actions]]
action = "merge"
from = "payments"
into = "orders"
"#;

#[test]
fn the_wizard_renames_moves_merges_and_saves_keeping_comments() {
    let (_dir, shop) = shop_copy();
    let plan_path = shop.join("carve.toml");
    let mut original = std::fs::read_to_string(&plan_path).unwrap();
    original.push_str("\n# kept: a note the team wrote by hand\n");
    std::fs::write(&plan_path, &original).unwrap();

    let mut session = wizard(&shop);
    session.expect("6 services").unwrap();

    pick(&mut session, "What next?", RENAME);
    pick(&mut session, "Rename which service?", 0); // catalog
    type_line(&mut session, "New name for catalog", "products");
    session.expect("rename catalog to products").unwrap();

    pick(&mut session, "What next?", MOVE_TABLES);
    let stock_movements = TABLES.iter().position(|t| *t == "stock_movements").unwrap();
    tick(&mut session, "Which tables?", &[stock_movements]);
    // products, customers, inventory, orders, payments, shipping
    pick(&mut session, "Move them to", 5);
    session.expect("move stock_movements to shipping").unwrap();

    pick(&mut session, "What next?", MERGE);
    pick(&mut session, "Merge which service away?", 4); // payments
                                                        // products, customers, inventory, orders, shipping
    pick(&mut session, "Merge payments into", 3);
    let merged = session.expect("merge payments into orders").unwrap();
    drop(merged);
    session.expect("services 6 → 5").unwrap();

    pick(&mut session, "What next?", SAVE);
    session.expect("saved").unwrap();
    pick(&mut session, "What next?", QUIT);
    session.expect(Eof).unwrap();

    let saved = std::fs::read_to_string(&plan_path).unwrap();
    assert!(
        saved.contains("# kept: a note the team wrote by hand"),
        "{saved}"
    );
    assert!(
        saved.contains("# The catalog depends on nothing"),
        "{saved}"
    );
    let names: Vec<String> = services(&saved).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["products", "customers", "inventory", "orders", "shipping"]
    );
    let by_name: std::collections::BTreeMap<_, _> = services(&saved).into_iter().collect();
    assert!(by_name["shipping"].contains(&"stock_movements".to_string()));
    assert!(!by_name["inventory"].contains(&"stock_movements".to_string()));
    for table in ["order_items", "orders", "payments", "refunds"] {
        assert!(by_name["orders"].contains(&table.to_string()), "{table}");
    }

    // The same actions through --answers give the same file.
    let (_dir2, shop2) = shop_copy();
    std::fs::write(shop2.join("carve.toml"), &original).unwrap();
    std::fs::write(shop2.join("answers.toml"), ANSWERS).unwrap();
    let scripted = Command::new(env!("CARGO_BIN_EXE_carve"))
        .current_dir(&shop2)
        .env("NO_COLOR", "1")
        .args(["plan", "--answers", "answers.toml"])
        .output()
        .unwrap();
    assert!(
        scripted.status.success(),
        "{}",
        String::from_utf8_lossy(&scripted.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(shop2.join("carve.toml")).unwrap(),
        saved
    );
}

#[test]
fn ctrl_c_leaves_the_plan_untouched() {
    let (_dir, shop) = shop_copy();
    let plan_path = shop.join("carve.toml");
    let before = std::fs::read_to_string(&plan_path).unwrap();
    let mut session = wizard(&shop);
    pick(&mut session, "What next?", RENAME);
    pick(&mut session, "Rename which service?", 0);
    type_line(&mut session, "New name for catalog", "products");
    session.expect("rename catalog to products").unwrap();
    session.expect("What next?").unwrap();
    session.send("\x03").unwrap();
    session.expect("was left as it was").unwrap();
    session.expect(Eof).unwrap();
    // 130 whichever way the key arrived: as SIGINT, or read by the prompt.
    let status = session.get_process().wait().unwrap();
    assert!(
        matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 130)),
        "{status:?}"
    );
    assert_eq!(std::fs::read_to_string(&plan_path).unwrap(), before);
}
