use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let _ = task_group! {
        |tg| { tg.spawn(async { Err::<(), _>(fmt::Error) }); }
        except* io::Error => (),
        except* _ | fmt::Error => (),
    };
}
