//! Under `--cfg tokio_unstable`, tasks reach tokio with their names, through
//! tokio's task builder: tokio's own `runtime.spawn` span (what tokio-console
//! reads) carries `task.name`. Run with
//! `RUSTFLAGS="--cfg tokio_unstable" CARGO_TARGET_DIR=target/unstable cargo test --test snapshot_tokio_names`.
#![cfg(tokio_unstable)]

use std::fmt;
use std::sync::{Arc, Mutex};

use taskgroup::TaskGroup;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The `task.name` of every `runtime.spawn` span tokio makes.
#[derive(Default, Clone)]
struct Names(Arc<Mutex<Vec<String>>>);

struct TaskName(Option<String>);

impl Visit for TaskName {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "task.name" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl Subscriber for Names {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        if span.metadata().name() == "runtime.spawn" {
            let mut name = TaskName(None);
            span.record(&mut name);
            self.0.lock().unwrap().extend(name.0);
        }
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[test]
fn named_tasks_reach_tokio_with_their_names() {
    let names = Names::default();
    let _default = tracing::subscriber::set_default(names.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(TaskGroup::run(async |tg| {
            tg.spawn_named("fetch", async {});
            tg.spawn_blocking_named("checksum", || {});
            Ok::<_, std::fmt::Error>(())
        }))
        .unwrap();
    let names = names.0.lock().unwrap();
    assert!(names.iter().any(|n| n == "fetch"), "{names:?}");
    assert!(names.iter().any(|n| n == "checksum"), "{names:?}");
}
