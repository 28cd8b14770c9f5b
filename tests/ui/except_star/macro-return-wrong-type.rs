// A macro that expands to `return` leaves only the arm, whose result is the
// arm's value or what it raised: a `return` of anything else does not compile,
// and the error points at the macro.
use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

macro_rules! finished {
    () => {
        return Ok(())
    };
}

macro_rules! give_up {
    () => {
        return Default::default()
    };
}

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
fn sync_fn() -> Result<(), ErrorGroup> {
    let value = #[except_star]
    match work() {
        Ok(value) => value,
        io::Error(_) => 1,
        fmt::Error(_) => finished!(),
    };
    assert_eq!(value, 1);
    Ok(())
}

#[except_star]
async fn async_fn() -> Result<(), ErrorGroup> {
    #[except_star]
    match work() {
        Ok(_) => {}
        fmt::Error(_) => give_up!(),
    }
    Ok(())
}

fn main() {
    let _ = sync_fn();
    let _ = async_fn();
}
