use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
fn run() {
    let value = #[except_star]
    match work() {
        Ok(value) => value,
        fmt::Error(_) => 0,
    };
    let _ = (value, io::Error::other("x"));
}

fn main() {
    let _ = run();
}
