// A macro that expands to `return` leaves only the arm, whose result is the
// arm's value or what it raised: a `return` of anything else does not compile,
// and the error points at the macro.
use std::{fmt, io};
use taskgroup::task_group;

macro_rules! finished {
    () => {
        return Ok(())
    };
}

#[tokio::main]
async fn main() {
    let _ = task_group! {
        |tg| {
            tg.spawn(async { Err::<(), _>(fmt::Error) });
            0_u32
        }
        except* io::Error => 1,
        except* fmt::Error => finished!(),
    };
}
