use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
fn run() -> Result<u32, ErrorGroup> {
    let value = match work() {
        Ok(value) => value,
        #[except_star]
        Err(_) => 0,
    };
    let _ = (fmt::Error, io::Error::other("x"));
    Ok(value)
}

fn main() {
    let _ = run();
}
