use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let _ = task_group! {
        |tg| {
            tg.spawn(async { Err::<(), _>(fmt::Error) });
            0_u32
        }
        except* fmt::Error => "none",
        except* io::Error => 1,
    };
}
