//! Every option and every arm form in one program, built and run.

#![deny(warnings)]

use std::time::Duration;
use std::{fmt, io};
use taskgroup::{task_group, ErrorGroup};

#[tokio::main]
async fn main() -> Result<(), ErrorGroup> {
    let mut log = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let value = task_group! {
        name = "everything",
        timeout = Duration::from_secs(30),
        deadline = deadline,
        limit = 4,
        grace = Duration::from_millis(10),
        supervise,
        move |tg: taskgroup::Scope<'_>| {
            tg.spawn(async { Err::<(), _>(fmt::Error) });
            tg.spawn(async { Err::<(), _>(io::Error::other("disk")) });
            tg.spawn(async { Ok::<_, io::Error>(1) });
            0
        }
        except* fmt::Error as eg => {
            log.push(eg.len());
            1
        }
        except* io::Error | std::num::ParseIntError as mut eg => {
            eg.add_note("seen");
            log.push(eg.len());
            2
        }
        except* _ => 3,
    }?;
    assert_eq!(value, 2);
    assert_eq!(log, [1, 1]);
    Ok(())
}
