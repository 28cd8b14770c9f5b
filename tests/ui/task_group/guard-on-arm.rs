use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let verbose = true;
    let _ = task_group! {
        |tg| { tg.spawn(async { Err::<(), _>(fmt::Error) }); }
        except* fmt::Error as eg if verbose => println!("{eg}"),
        except* io::Error => (),
    };
}
