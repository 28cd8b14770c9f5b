// `spawn` starts a tokio task, which must own what it uses; `spawn_scoped` is
// the spawn that may borrow.
use taskgroup::TaskGroup;

async fn greet(name: &str) -> usize {
    name.len()
}

async fn run(names: Vec<String>) {
    let _ = TaskGroup::run(async |tg| {
        for name in &names {
            tg.spawn(async move {
                greet(name).await;
            });
        }
        Ok::<_, std::fmt::Error>(())
    })
    .await;
}

fn main() {
    drop(run(Vec::new()));
}
