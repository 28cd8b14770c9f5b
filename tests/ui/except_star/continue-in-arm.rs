use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
fn run() -> Result<u32, ErrorGroup> {
    let mut total = 0;
    for _ in 0..3 {
        total += #[except_star]
        match work() {
            Ok(value) => value,
            fmt::Error(_) => continue,
            io::Error(_) => 1,
        };
    }
    Ok(total)
}

fn main() {
    let _ = run();
}
