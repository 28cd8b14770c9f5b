use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let _ = task_group! {
        local = true,
        |tg| { tg.spawn(async { Err::<(), _>(fmt::Error) }); }
        except* io::Error => (),
    };
}
