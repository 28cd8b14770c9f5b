use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let _ = task_group! {
        |tg| { tg.spawn(async { Err::<(), _>(fmt::Error) }); }
        except* taskgroup::ErrorGroup as eg => drop(eg),
        except* io::Error => (),
    };
}
