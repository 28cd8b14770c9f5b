use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
fn run() -> Result<u32, ErrorGroup> {
    fn helper() -> Result<u32, ErrorGroup> {
        let value = #[except_star]
        match work() {
            Ok(value) => value,
            fmt::Error(_) => 0,
            io::Error(_) => 1,
        };
        Ok(value)
    }
    helper()
}

fn main() {
    let _ = run();
}
