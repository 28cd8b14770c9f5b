// A `Send` group's scoped tasks must be `Send`: an `Rc` held across an `.await`
// needs a local group (`TaskGroup::builder().local()`).
use std::rc::Rc;
use taskgroup::TaskGroup;

async fn run() {
    let _ = TaskGroup::run(async |tg| {
        tg.spawn_scoped(async {
            let shared = Rc::new(1);
            tokio::task::yield_now().await;
            drop(shared);
        });
        Ok::<_, std::fmt::Error>(())
    })
    .await;
}

fn main() {
    drop(run());
}
