use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

trait Handler {
    #[except_star]
    fn handle(&self) -> Result<u32, ErrorGroup>;
}

fn run() -> Result<u32, ErrorGroup> {
    let _ = (fmt::Error, io::Error::other("x"));
    work()
}

fn main() {
    let _ = run();
}
