use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let _ = task_group! {
        retries = 3,
        |tg| { tg.spawn(async { Err::<(), _>(fmt::Error) }); }
        except* fmt::Error => return,
        except* io::Error if true => (),
    };
}
