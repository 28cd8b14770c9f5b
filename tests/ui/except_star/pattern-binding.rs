use taskgroup::{except_star, ErrorGroup};

#[derive(Debug)]
pub enum JobError {
    Parse(u32),
    Net { host: String },
    Timeout,
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for JobError {}

fn work() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::from_errors("work", [JobError::Timeout]).unwrap().into())
}

#[except_star]
fn run() -> Result<u32, ErrorGroup> {
    let value = #[except_star]
    match work() {
        Ok(value) => value,
        eg @ JobError::Net { host } => eg.len() as u32,
    };
    Ok(value)
}

fn main() {
    let _ = run();
}
