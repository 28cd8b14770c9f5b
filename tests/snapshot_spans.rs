//! With the `tracing` feature, each task's span is a child of its group's
//! span, and a nested group's span a child of the task (or body) running it,
//! so a tracing tree shows the same shape as a snapshot. A small recording
//! subscriber that keeps every span's parent stands in for tracing-subscriber.
#![cfg(feature = "tracing")]

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use taskgroup::TaskGroup;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// One span: its name, its `group` or `task` field, and its parent's index.
#[derive(Debug, Clone)]
struct Span {
    name: &'static str,
    label: Option<String>,
    parent: Option<usize>,
}

struct Label(Option<String>);

impl Visit for Label {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if matches!(field.name(), "group" | "task") {
            self.0 = Some(format!("{value:?}").trim_matches('"').to_owned());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if matches!(field.name(), "group" | "task") {
            self.0 = Some(value.to_owned());
        }
    }
}

#[derive(Default, Clone)]
struct Recorder {
    spans: Arc<Mutex<Vec<Span>>>,
    /// The spans entered on each thread, innermost last.
    entered: Arc<Mutex<HashMap<ThreadId, Vec<u64>>>>,
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let parent = if let Some(parent) = span.parent() {
            Some(parent.into_u64())
        } else if span.is_contextual() {
            let entered = self.entered.lock().unwrap();
            let here = entered.get(&std::thread::current().id());
            here.and_then(|stack| stack.last().copied())
        } else {
            None
        };
        let mut label = Label(None);
        span.record(&mut label);
        let mut spans = self.spans.lock().unwrap();
        spans.push(Span {
            name: span.metadata().name(),
            label: label.0,
            parent: parent.map(|id| id as usize - 1),
        });
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, id: &Id) {
        let mut entered = self.entered.lock().unwrap();
        let stack = entered.entry(std::thread::current().id()).or_default();
        stack.push(id.into_u64());
    }

    fn exit(&self, id: &Id) {
        let mut entered = self.entered.lock().unwrap();
        let stack = entered.entry(std::thread::current().id()).or_default();
        if let Some(i) = stack.iter().rposition(|entered| *entered == id.into_u64()) {
            stack.remove(i);
        }
    }
}

impl Recorder {
    /// The index of the span named `name` labelled `label`.
    fn find(&self, name: &str, label: &str) -> usize {
        let spans = self.spans.lock().unwrap();
        spans
            .iter()
            .position(|s| s.name == name && s.label.as_deref() == Some(label))
            .unwrap_or_else(|| panic!("no {name} span {label:?} in {spans:#?}"))
    }

    fn parent(&self, span: usize) -> Option<usize> {
        self.spans.lock().unwrap()[span].parent
    }
}

#[test]
fn a_tasks_span_is_a_child_of_its_groups_span_and_a_nested_group_of_its_task() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(TaskGroup::builder().name("outer").run(async |tg| {
            let group = tg.spawner();
            tg.spawn_named("worker", async move {
                // Spawned inside the worker's span, still a child of
                // the group's.
                group.spawn_named("sibling", async {});
                TaskGroup::builder()
                    .name("inner")
                    .run(async |inner| {
                        inner.spawn_named("leaf", async {});
                        Ok::<_, std::fmt::Error>(())
                    })
                    .await
            });
            Ok::<_, std::fmt::Error>(())
        }))
        .unwrap();

    let outer = recorder.find("task_group", "outer");
    let worker = recorder.find("task", "worker");
    let inner = recorder.find("task_group", "inner");
    let leaf = recorder.find("task", "leaf");
    let sibling = recorder.find("task", "sibling");
    assert_eq!(recorder.parent(outer), None);
    assert_eq!(recorder.parent(worker), Some(outer));
    assert_eq!(recorder.parent(inner), Some(worker));
    assert_eq!(recorder.parent(leaf), Some(inner));
    assert_eq!(recorder.parent(sibling), Some(outer));
}

#[test]
fn a_group_run_in_a_groups_body_has_a_span_under_that_groups_span() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(TaskGroup::builder().name("outer").run(async |_| {
            TaskGroup::builder()
                .name("in-body")
                .run(async |_| Ok::<_, std::fmt::Error>(()))
                .await
        }))
        .unwrap();
    let outer = recorder.find("task_group", "outer");
    let in_body = recorder.find("task_group", "in-body");
    assert_eq!(recorder.parent(in_body), Some(outer));
}
