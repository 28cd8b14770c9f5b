use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
struct Handler;

fn run() -> Result<u32, ErrorGroup> {
    let _ = Handler;
    let _ = io::Error::other("x");
    work()
}

fn main() {
    let _ = run();
}
