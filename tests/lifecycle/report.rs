//! The report of a failed group says how many tasks its cancellation stopped,
//! and why (pinned by a snapshot).

use taskgroup::TaskGroup;
use tokio::time::sleep;

use crate::common::{self, ms, HOUR};

common::python_errors!(Boom);

/// `text` with task ids and line:column numbers replaced, so the snapshot does
/// not move with unrelated edits.
fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '#' || c == ':' {
            let mut digits = false;
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
                digits = true;
            }
            if digits {
                out.push('N');
            }
        }
    }
    out
}

#[tokio::test(start_paused = true)]
async fn the_report_of_a_failed_group_counts_the_cancelled_tasks() {
    let eg = TaskGroup::builder()
        .name("downloads")
        .run(async |tg| {
            tg.spawn_named("mirror-a", sleep(HOUR));
            tg.spawn_named("mirror-b", sleep(HOUR));
            tg.spawn_named("fetch", async {
                sleep(ms(1)).await;
                Err::<(), _>(Boom)
            });
            Ok::<_, Boom>(())
        })
        .await
        .unwrap_err();
    insta::assert_snapshot!("cancelled_tasks_note", redact(&format!("{eg:#}")));
}
