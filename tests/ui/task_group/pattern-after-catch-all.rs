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

#[tokio::main]
async fn main() {
    let _ = task_group! {
        |tg| { tg.spawn(async { Err::<(), _>(JobError::Timeout) }); }
        except* _ => (),
        except* JobError::Timeout {} => (),
    };
}
