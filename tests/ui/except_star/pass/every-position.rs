//! `#[except_star] match` in every position, sync and async, built and run.

#![deny(warnings)]

use std::{fmt, io};
use taskgroup::{except_star, ErrorGroup};

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [fmt::Error]).unwrap().into())
}

#[except_star]
fn sync_positions() -> Result<u32, ErrorGroup> {
    let mut total = 0;
    #[except_star]
    match work() {
        Ok(_) => {}
        fmt::Error(eg) => total += eg.len() as u32,
    }
    let initializer = #[except_star]
    match work() {
        Ok(value) => value,
        io::Error(_) | fmt::Error(_) => 10,
    };
    #[except_star]
    let on_let = match work() {
        Ok(value) => value,
        eg => eg.len() as u32 * 100,
    };
    total += initializer + on_let;
    #[except_star]
    match work() {
        Ok(value) => Ok(value + total),
        _ => Ok(total + 1000),
    }
}

#[except_star]
#[tokio::main]
async fn main() -> Result<(), ErrorGroup> {
    assert_eq!(sync_positions()?, 1111);
    let awaited = #[except_star]
    match async { work() }.await {
        Ok(value) => value,
        fmt::Error(_) => {
            tokio::task::yield_now().await;
            7
        }
    };
    assert_eq!(awaited, 7);
    Ok(())
}
