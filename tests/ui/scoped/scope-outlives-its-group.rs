// A scope cannot be kept past its group: its lifetime is the borrow its tasks
// hold, and it is invariant.
use taskgroup::TaskGroup;

async fn run() {
    let mut kept = None;
    let _ = TaskGroup::run(async |tg| {
        kept = Some(tg.scope());
        Ok::<_, std::fmt::Error>(())
    })
    .await;
    drop(kept);
}

fn main() {
    drop(run());
}
