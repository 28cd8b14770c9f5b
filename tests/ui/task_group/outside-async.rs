use std::{fmt, io};
use taskgroup::task_group;

fn main() {
    let _ = task_group! {
        |tg| { tg.spawn(async { Err::<(), _>(fmt::Error) }); }
        except* io::Error => (),
    };
}
