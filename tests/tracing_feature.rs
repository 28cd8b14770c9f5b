//! The `tracing` feature (issue: a span per task carrying its group, name and
//! id, and an event for each collected error). A small recording subscriber
//! stands in for tracing-subscriber.
#![cfg(feature = "tracing")]

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use taskgroup::TaskGroup;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

mod common;

common::error_types! {
    #[derive(Debug)]
    struct Boom => "boom";
}

/// `name` and `key=value` pairs of one span or event.
#[derive(Debug, Clone, Default)]
struct Recorded {
    name: String,
    fields: Vec<(String, String)>,
}

impl Recorded {
    fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl Visit for Recorded {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.fields
            .push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .push((field.name().to_owned(), value.to_owned()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields
            .push((field.name().to_owned(), value.to_string()));
    }
}

#[derive(Default, Clone)]
struct Recorder {
    spans: Arc<Mutex<Vec<Recorded>>>,
    events: Arc<Mutex<Vec<Recorded>>>,
    next_id: Arc<AtomicU64>,
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut recorded = Recorded {
            name: span.metadata().name().to_owned(),
            ..Recorded::default()
        };
        span.record(&mut recorded);
        self.spans.lock().unwrap().push(recorded);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut recorded = Recorded::default();
        event.record(&mut recorded);
        self.events.lock().unwrap().push(recorded);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[test]
fn each_task_gets_a_span_with_its_group_name_and_id_and_each_error_an_event() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (id, result) = runtime.block_on(async {
        let mut id = None;
        let result = TaskGroup::builder()
            .name("downloads")
            .run(async |tg| {
                let handle = tg.spawn_named("fetch", async { Err::<(), _>(Boom) });
                id = Some(handle.id());
                Ok::<_, Boom>(())
            })
            .await;
        (id.unwrap(), result)
    });
    assert_eq!(result.unwrap_err().len(), 1);

    let spans = recorder.spans.lock().unwrap();
    let task = spans
        .iter()
        .find(|span| span.name == "task")
        .expect("a span for the task");
    assert_eq!(task.field("group"), Some("downloads"));
    assert_eq!(task.field("task"), Some("fetch"));
    assert_eq!(task.field("id"), Some(id.as_u64().to_string().as_str()));

    let events = recorder.events.lock().unwrap();
    let collected: Vec<_> = events
        .iter()
        .filter(|event| {
            event
                .field("message")
                .is_some_and(|m| m.contains("collected an error"))
        })
        .collect();
    assert_eq!(
        collected.len(),
        1,
        "one event per collected error: {events:?}"
    );
    // The error's one-line summary (its message), never its `Debug` tree.
    assert_eq!(collected[0].field("error"), Some("boom"));
    assert_eq!(collected[0].field("group"), Some("downloads"));
}

/// A panic cancels everything, waits, then resumes with its payload, and the errors
/// collected before it are not silently lost: with `tracing` they are logged.
#[test]
fn errors_collected_before_a_panic_are_logged() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(
            TaskGroup::builder()
                .supervise() // the failure must not cancel the task that panics
                .run(async |tg| {
                    tg.spawn(async { Err::<(), _>(Boom) }).await.unwrap_err();
                    tg.spawn(async { panic!("the payload") as () });
                    Ok::<_, Boom>(())
                }),
        )
    }));
    let payload = outcome.expect_err("the panic resumes in the caller");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the payload"));

    let events = recorder.events.lock().unwrap();
    let report = events
        .iter()
        .find(|event| {
            event
                .field("message")
                .is_some_and(|m| m.contains("panicked"))
        })
        .unwrap_or_else(|| panic!("an event reports the errors beside the panic: {events:?}"));
    assert!(report
        .field("errors")
        .is_some_and(|errors| errors.contains("boom")));
}

common::error_types! {
    #[derive(Debug)]
    struct TwoLines => "first line\nsecond line";
}

/// Every event the crate emits is one line; a group's tree travels in a field.
/// Covers both events: an error collected (whose own message has a line break)
/// and the errors reported beside a panic.
#[test]
fn no_event_message_contains_a_newline_and_the_tree_is_in_a_field() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(TaskGroup::builder().supervise().run(async |tg| {
            tg.spawn_named("two lines", async { Err::<(), _>(TwoLines) })
                .await
                .unwrap_err();
            tg.spawn(async { Err::<(), _>(Boom) }).await.unwrap_err();
            tg.spawn(async { panic!("the payload") as () });
            Ok::<_, Boom>(())
        }))
    }));
    assert!(outcome.is_err(), "the panic resumes in the caller");

    let events = recorder.events.lock().unwrap();
    assert!(
        events.len() >= 3,
        "two collected errors and the panic report: {events:?}"
    );
    for event in events.iter() {
        let message = event.field("message").expect("every event has a message");
        assert!(
            !message.contains('\n'),
            "a multi-line event message: {message:?}"
        );
    }
    let collected = events
        .iter()
        .find(|event| {
            event
                .field("error")
                .is_some_and(|e| e.contains("first line"))
        })
        .expect("the two-line error's event");
    assert_eq!(collected.field("error"), Some("first line second line"));
    let report = events
        .iter()
        .find_map(|event| event.field("errors"))
        .expect("the panic report carries the errors in a field");
    assert!(
        report.starts_with("ErrorGroup: unhandled errors in a task group (2 sub-errors)\n"),
        "{report}"
    );
    assert!(
        report.contains("  | first line\n  | second line\n"),
        "{report}"
    );
    assert!(report.contains("in task \"two lines\""), "{report}");

    let shown: Vec<String> = events
        .iter()
        .map(|event| {
            let fields = event.fields.iter().map(|(k, v)| format!("{k} = {v}"));
            fields.collect::<Vec<_>>().join("\n")
        })
        .collect();
    insta::assert_snapshot!("events", redact_numbers(&shown.join("\n\n")));
}

/// `text` with every number after a `#` or a `:` (task ids, lines and columns)
/// replaced by `N`, so the snapshot does not change with unrelated edits.
fn redact_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut redacting = false;
    let mut previous = ' ';
    for c in text.chars() {
        if c.is_ascii_digit() && (redacting || previous == '#' || previous == ':') {
            if !redacting {
                out.push('N');
            }
            redacting = true;
        } else {
            redacting = false;
            out.push(c);
        }
        previous = c;
    }
    out
}

/// A group that starts cancelling says why in one event.
#[test]
fn a_cancelling_group_logs_one_event_with_its_reason() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(TaskGroup::builder().name("jobs").run(async |tg| {
            tg.cancel_with("maintenance");
            tg.cancel(); // a second cancel is not a second event
            Ok::<_, Boom>(())
        }))
        .unwrap();
    let events = recorder.events.lock().unwrap();
    let cancelling: Vec<_> = events
        .iter()
        .filter(|event| event.field("message") == Some("task group cancelling"))
        .collect();
    assert_eq!(cancelling.len(), 1, "{events:?}");
    assert_eq!(
        cancelling[0].field("reason"),
        Some("cancelled: maintenance")
    );
    assert_eq!(cancelling[0].field("group"), Some("jobs"));
}
