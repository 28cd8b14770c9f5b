use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    for _ in 0..3 {
        let _ = task_group! {
            |tg| { tg.spawn(async { Err::<(), _>(fmt::Error) }); }
            except* fmt::Error => break,
            except* io::Error => (),
        };
    }
}
