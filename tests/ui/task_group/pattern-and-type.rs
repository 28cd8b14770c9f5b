use taskgroup::task_group;

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

#[derive(Debug)]
pub enum DbError {
    Locked,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for DbError {}

#[tokio::main]
async fn main() {
    let _ = task_group! {
        |tg| { tg.spawn(async { Err::<(), _>(JobError::Timeout) }); }
        except* JobError::Parse(..) | DbError as eg => drop(eg),
    };
}
