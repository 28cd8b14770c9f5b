// `anyhow::bail!` returns an `anyhow::Error`, but an arm runs as its own
// closure (async block) returning the arm's value or what it raised: the
// `return` cannot leave the function and skip the other arms. Raise it instead
// with `Err(anyhow!(..))?`.
use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
fn sync_fn() -> anyhow::Result<u32> {
    let value = #[except_star]
    match work() {
        Ok(value) => value,
        fmt::Error(_) => anyhow::bail!("bad format"),
        io::Error(_) => 1,
    };
    Ok(value)
}

#[except_star]
async fn async_fn() -> anyhow::Result<u32> {
    let value = #[except_star]
    match work() {
        Ok(value) => value,
        fmt::Error(_) => anyhow::bail!("bad format"),
        io::Error(_) => 1,
    };
    Ok(value)
}

fn main() {
    let _ = sync_fn();
    let _ = async_fn();
}
