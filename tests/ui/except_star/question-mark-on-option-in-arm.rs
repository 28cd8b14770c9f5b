// In an arm, `?` raises into the dispatch, which takes errors: `?` on an
// `Option` has no error to raise and does not compile.
use std::fmt;
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
fn run(fallback: Option<u32>) -> Result<u32, ErrorGroup> {
    let value = #[except_star]
    match work() {
        Ok(value) => value,
        fmt::Error(_) => fallback?,
    };
    Ok(value)
}

fn main() {
    let _ = run(None);
}
