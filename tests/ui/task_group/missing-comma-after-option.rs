use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let _ = task_group! {
        limit = 4
        |tg| { tg.spawn(async { Err::<(), _>(fmt::Error) }); }
        except* io::Error => (),
    };
}
