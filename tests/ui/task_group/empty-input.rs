use std::{fmt, io};
use taskgroup::task_group;

#[tokio::main]
async fn main() {
    let _: Result<(), _> = task_group! {};
    let _ = (fmt::Error, io::Error::other(""));
}
