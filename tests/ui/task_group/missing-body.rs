use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let _ = task_group! {
        except* io::Error => (),
    };
    let _ = fmt::Error;
}
