//! `#[except_star]`: except* arms on a plain `match`, in a function that lets
//! what no arm handles leave like `?`. Python's version:
//!
//! ```python
//! async def fetch_all():
//!     try:
//!         async with asyncio.TaskGroup() as tg:
//!             for url in URLS:
//!                 tg.create_task(fetch(url))
//!     except* TimeoutError as eg:
//!         print(f"{len(eg.exceptions)} timed out")
//!     except* (ConnectionError, ValueError) as eg:
//!         print("giving up:", eg)
//! ```

use std::fmt;
use std::io;
use std::time::Duration;

use taskgroup::{except_star, ErrorGroup, TaskGroup};

#[derive(Debug)]
struct TimedOut(&'static str);

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} timed out", self.0)
    }
}

impl std::error::Error for TimedOut {}

/// Pretends to fetch `url`: some time out, one refuses the connection.
async fn fetch(url: &'static str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    match url {
        "slow.example" | "slower.example" => Err(TimedOut(url).into()),
        "down.example" => Err(io::Error::from(io::ErrorKind::ConnectionRefused).into()),
        _ => Ok(url.len()),
    }
}

const URLS: [&str; 5] = [
    "a.example",
    "slow.example",
    "b.example",
    "slower.example",
    "down.example",
];

#[except_star]
#[tokio::main]
async fn main() -> Result<(), ErrorGroup> {
    let mut timed_out = 0;
    #[except_star]
    match TaskGroup::builder()
        .supervise() // keep fetching when one fails
        .run(async |tg| {
            for url in URLS {
                tg.spawn_named(url, fetch(url));
            }
            Ok::<_, io::Error>(())
        })
        .await
    {
        Ok(()) => println!("all fetched"),
        TimedOut(eg) => {
            timed_out += eg.len();
            for err in &eg {
                println!("handled: {err}");
            }
        }
        io::Error(eg) | fmt::Error(eg) => {
            // `eg.reraise()?` here would send these on to main's caller, in their
            // original group, like Python's bare `raise`.
            println!("giving up after {timed_out} timeouts:\n{eg:#}");
        }
    }
    Ok(())
}
