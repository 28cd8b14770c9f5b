//! Building an error group by hand and dispatching it with except* arms, as
//! Python's
//!
//! ```python
//! try:
//!     raise ExceptionGroup("batch", [OSError("disk"), ValueError("x"),
//!                                    ExceptionGroup("retry", [OSError("net")])])
//! except* OSError as eg:
//!     print("io:", eg)
//! except* ValueError:
//!     raise
//! ```

use std::fmt;
use std::io;

use taskgroup::{EmptyGroupError, ErrorGroup, ExceptStar, Node};

#[derive(Debug)]
struct ValueError(&'static str);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValueError: {}", self.0)
    }
}

impl std::error::Error for ValueError {}

fn main() -> Result<(), EmptyGroupError> {
    let mut retry = ErrorGroup::new("retry", [Node::error(io::Error::other("net"))])?;
    retry.add_note("after 3 attempts");
    let batch = ErrorGroup::new(
        "batch",
        [
            Node::error(io::Error::other("disk")),
            Node::error(ValueError("x")),
            retry.into(),
        ],
    )?;
    println!("the group, as Python would print it:\n{batch}");

    let mut handled = 0;
    let outcome = ExceptStar::new(Err::<(), _>(batch))
        .arm(|eg: ErrorGroup<io::Error>| {
            // one subgroup with every io::Error, nesting kept
            handled += eg.len();
            println!("io errors, shaped as in the original:\n{eg:#}");
            Ok(())
        })
        .arm(|eg: ErrorGroup<ValueError>| eg.reraise())
        .finish();

    println!("handled {handled} io errors");
    match outcome {
        Ok(()) => println!("everything was handled"),
        Err(rest) => println!("re-raised, in its original group:\n{rest:#}"),
    }
    Ok(())
}
