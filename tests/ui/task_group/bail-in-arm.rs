// `anyhow::bail!` returns an `anyhow::Error`, but an arm runs as its own async
// block returning the arm's value or what it raised: the `return` cannot leave
// the function and skip the other arms. Raise it instead with
// `Err(anyhow!(..))?`.
use std::{fmt, io};
use taskgroup::task_group;

async fn run() -> anyhow::Result<u32> {
    let value = task_group! {
        |tg| {
            tg.spawn(async { Err::<(), _>(fmt::Error) });
            0_u32
        }
        except* fmt::Error as eg => {
            eprintln!("{eg}");
            anyhow::bail!("bad format")
        }
        except* io::Error => 1,
    }?;
    Ok(value)
}

#[tokio::main]
async fn main() {
    let _ = run().await;
}
