//! The hand-over from schema loading to code reading. Parsing a Rust file
//! needs nothing from the schema; only matching what the file names against
//! the schema's tables does. So files are parsed while the schema is still
//! loading, and each file waits at this gate only before that matching.

use super::names::TableIndex;
use crate::model::{Dialect, Schema};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// What code reading takes from the schema.
#[derive(Debug)]
pub struct SchemaView {
    pub tables: TableIndex,
    pub dialect: Dialect,
}

impl SchemaView {
    pub fn new(schema: &Schema) -> Self {
        SchemaView {
            tables: TableIndex::new(schema),
            dialect: schema.dialect,
        }
    }
}

#[derive(Debug)]
enum State {
    Pending,
    Open(Arc<SchemaView>),
    /// The schema could not be loaded: there is nothing to match against.
    Closed,
}

/// A schema that is loaded or still loading. Readers block in
/// [`SchemaGate::wait`] until [`SchemaGate::open`] or [`SchemaGate::close`].
#[derive(Debug)]
pub struct SchemaGate {
    state: Mutex<State>,
    changed: Condvar,
}

impl SchemaGate {
    /// A gate whose schema is still loading.
    pub fn pending() -> Self {
        SchemaGate {
            state: Mutex::new(State::Pending),
            changed: Condvar::new(),
        }
    }

    /// A gate that is open from the start.
    pub fn opened(schema: &Schema) -> Self {
        SchemaGate {
            state: Mutex::new(State::Open(Arc::new(SchemaView::new(schema)))),
            changed: Condvar::new(),
        }
    }

    /// Lets readers through with this schema.
    pub fn open(&self, schema: &Schema) {
        let view = Arc::new(SchemaView::new(schema));
        self.set(State::Open(view));
    }

    /// Tells readers that no schema will come.
    pub fn close(&self) {
        self.set(State::Closed);
    }

    /// Whether the loader has opened or closed the gate.
    pub fn is_settled(&self) -> bool {
        !matches!(*self.lock(), State::Pending)
    }

    /// The schema once it is there; `None` when it will not come.
    pub fn wait(&self) -> Option<Arc<SchemaView>> {
        let mut state = self.lock();
        loop {
            match &*state {
                State::Pending => {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                State::Open(view) => return Some(Arc::clone(view)),
                State::Closed => return None,
            }
        }
    }

    fn set(&self, next: State) {
        *self.lock() = next;
        self.changed.notify_all();
    }

    // A reader that panicked while holding the lock leaves the state as it
    // was: still meaningful, so the poison is ignored.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Closes the gate if the loader leaves without opening it (an error or a
/// panic), so no reader waits forever.
pub struct CloseOnDrop<'g>(pub &'g SchemaGate);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        if !self.0.is_settled() {
            self.0.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::sql::ingest_text;

    fn schema() -> Schema {
        ingest_text(
            "schema.sql",
            "CREATE TABLE orders (id int PRIMARY KEY);",
            None,
        )
        .schema
    }

    #[test]
    fn readers_wait_until_the_schema_is_there() {
        let gate = SchemaGate::pending();
        assert!(!gate.is_settled());
        std::thread::scope(|scope| {
            let readers: Vec<_> = (0..3)
                .map(|_| scope.spawn(|| gate.wait().map(|v| v.tables.knows("orders"))))
                .collect();
            std::thread::sleep(std::time::Duration::from_millis(20));
            gate.open(&schema());
            for reader in readers {
                assert_eq!(reader.join().unwrap(), Some(true));
            }
        });
        assert!(gate.is_settled());
    }

    #[test]
    fn a_loader_that_leaves_without_a_schema_releases_the_readers() {
        let gate = SchemaGate::pending();
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| gate.wait().is_none());
            scope.spawn(|| {
                let _close = CloseOnDrop(&gate);
                // The loader fails here and returns without opening.
            });
            assert!(reader.join().unwrap());
        });
    }

    #[test]
    fn closing_after_opening_is_not_done_by_the_guard() {
        let gate = SchemaGate::pending();
        {
            let _close = CloseOnDrop(&gate);
            gate.open(&schema());
        }
        assert!(gate.wait().is_some());
    }
}
