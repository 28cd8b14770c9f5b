#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use taskgroup_core::*;

// ---------------------------------------------------------------------------
// Macros: `task_group!`, `#[except_star]` and the hidden `__private` support
// module their expansions use. (Owned by the macros; the crate docs above are
// written separately.)
// ---------------------------------------------------------------------------

/// Turns the `#[except_star] match` expressions of a function into except*
/// dispatch (PEP 654).
///
/// Put it on a function (sync or async, free or method). Inside it, mark a
/// `match` on a `Result` with `#[except_star]` (as a statement, a tail expression
/// or a `let` initializer); the attribute on the function lowers and strips
/// every marker, which does nothing on its own.
///
/// ```text
/// #[except_star]
/// match SCRUTINEE {                 // Result<T, E>: E is an ErrorGroup or a naked error
///     Ok(PAT) => EXPR,              // the success value; guards and several Ok arms are fine
///     TYPE(eg) => EXPR,             // except* TYPE as eg: eg is an ErrorGroup<TYPE>
///     A(eg) | B(eg) => EXPR,        // except* (A, B) as eg: eg is an untyped ErrorGroup
///     eg @ Enum::X(..) => EXPR,     // the Enum leaves matching the pattern: ErrorGroup<Enum>
///     eg @ (Enum::X(..) | Enum::Y { .. }) => EXPR,
///     eg => EXPR,                   // catch-all (or `_`), last
/// }
/// ```
///
/// - Each error leaf goes to the first arm whose type (and pattern, for
///   `eg @ PATTERN`) matches it; each arm runs at most once, with a subgroup
///   that keeps the original nesting.
/// - A pattern arm names variants of one error enum by their path
///   (`JobError::Parse(..)`, not `Parse(..)`), binds nothing inside the
///   pattern, and lowers to [`ExceptStar::take_if`].
/// - The errors no arm takes leave the function like `?` does, as an
///   [`ErrorGroup`] converted with `From` into the function's error type.
/// - Arms evaluate to the match's type; when every error was handled, the
///   match's value is that of the last arm that ran.
/// - In an arm, `?` raises into the combined group (the other arms still run)
///   and `eg.reraise()?` gives the arm's errors back unchanged. `return`,
///   `break` and `continue` are refused in an arm, as in Python.
/// - A macro that expands to `return` leaves only its arm: `return Err(e)`
///   raises `e` like `?`, `return Ok(v)` makes `v` the arm's value, and any
///   other `return` does not compile. So `anyhow::bail!` in an arm is a
///   compile error at the `bail!` (its `anyhow::Error` is not what an arm
///   returns); write `Err(anyhow!(..))?`.
/// - In an async function the arms can `.await`.
///
/// Works together with `#[tokio::main]` and `#[tokio::test]`, in either order.
/// A `#[except_star] match` inside a `task_group!` needs no attribute: the
/// macro lowers it itself. A nested function needs its own `#[except_star]`.
///
/// When `taskgroup` is re-exported or renamed, tell the attribute where it is:
/// `#[except_star(crate = "my_crate::taskgroup")]`.
///
/// # Examples
///
/// ```
/// use std::{fmt, io};
/// use taskgroup::{except_star, ErrorGroup, Node};
///
/// fn work() -> Result<u32, ErrorGroup> {
///     Err(ErrorGroup::new("work", [
///         Node::error(io::Error::other("disk")),
///         Node::error(fmt::Error),
///     ])
///     .unwrap())
/// }
///
/// #[except_star]
/// fn handled() -> Result<u32, ErrorGroup> {
///     let value = #[except_star]
///     match work() {
///         Ok(value) => value,
///         io::Error(eg) => eg.len() as u32,
///         fmt::Error(_) => 0,
///     };
///     Ok(value)
/// }
///
/// #[except_star]
/// fn unhandled() -> Result<u32, ErrorGroup> {
///     #[except_star]
///     match work() {
///         Ok(value) => Ok(value),
///         io::Error(_) => Ok(0),
///     }
/// }
///
/// assert_eq!(handled().unwrap(), 0);
/// // the fmt::Error was not handled: it leaves with its original group
/// let rest = unhandled().unwrap_err();
/// assert_eq!((rest.message(), rest.len()), ("work", 1));
/// ```
///
/// # The same without the macro
///
/// The attribute lowers each marked `match` to core calls only; `handled`
/// above is, written by hand with [`ExceptStar`]:
///
/// ```
/// use std::{fmt, io};
/// use taskgroup::{ErrorGroup, ExceptStar, Node};
///
/// # fn work() -> Result<u32, ErrorGroup> {
/// #     Err(ErrorGroup::new("work", [Node::error(io::Error::other("disk")), Node::error(fmt::Error)]).unwrap())
/// # }
/// fn handled() -> Result<u32, ErrorGroup> {
///     let value = match work() {
///         Ok(value) => value,
///         Err(error) => {
///             let mut dispatch = ExceptStar::new(Err::<u32, _>(error));
///             if let Some(eg) = dispatch.take::<io::Error>() {
///                 dispatch.settle(Ok(eg.len() as u32));
///             }
///             if let Some(_eg) = dispatch.take::<fmt::Error>() {
///                 dispatch.settle(Ok(0));
///             }
///             dispatch.finish()? // the unhandled rest leaves like `?`
///         }
///     };
///     Ok(value)
/// }
/// assert_eq!(handled().unwrap(), 0);
/// ```
pub use taskgroup_macros::except_star;

/// Runs a [`TaskGroup`] and handles its errors with `except*` arms (Python's
/// `async with asyncio.TaskGroup()` inside `try`/`except*`).
///
/// ```text
/// task_group! {
///     (OPTION = EXPR ,)*                  // name, timeout, deadline, limit, grace, cancel_on; `supervise,` `local,`
///     |tg| BODY                           // an expression or block, in async context
///     (except* TYPE (| TYPE)* (as IDENT)? => ARM ,?)*
///     (except* PATTERN (| PATTERN)* (as IDENT)? => ARM ,?)*
///     (except* _ (as IDENT)? => ARM ,?)?  // catch-all, last
/// }
/// PATTERN := Enum::Variant(..) | Enum::Variant { .. } | Enum::Variant {}
/// ```
///
/// The macro is an expression in async context whose value is
/// `Result<T, ErrorGroup>`, `T` being the body's value:
///
/// - The body receives the group handle `tg` (a [`Scope`], which derefs to a
///   [`TaskGroup`]) to spawn tasks; it may borrow local variables, and `?` in
///   it fails the body (its error joins the group). `move |tg|` moves the
///   captured locals in. `tg.spawn_scoped(fut)` starts a task that may borrow
///   them too, as every Python task may use the caller's variables:
///   `for name in &names { tg.spawn_scoped(greet(name)); }`.
/// - The group finishes when the body and every task are finished. Each error
///   leaf then goes to the first arm whose type matches it; each arm runs at
///   most once with `eg`, an `ErrorGroup<TYPE>` for one type or an untyped
///   [`ErrorGroup`] for several, keeping the original nesting.
/// - A pattern arm takes the leaves of one error enum whose value matches one
///   of its patterns (`except* JobError::Parse(..) | JobError::Net { .. }`;
///   braces mark a unit variant, `JobError::Timeout {}`): `eg` is an
///   `ErrorGroup<JobError>`, and the other `JobError`s go on to later arms. It
///   lowers to [`ExceptStar::take_if`].
/// - Each arm evaluates to `T`; when every error was handled the value is that
///   of the last arm that ran. Unhandled errors are `Err(rest)`: write `?`.
/// - In an arm, `?` raises into the combined group (later arms still run) and
///   `eg.reraise()?` gives the arm's errors back. `return`, `break` and
///   `continue` are refused in an arm, as in Python. A macro that expands to
///   `return` leaves only its arm: `return Err(e)` raises `e` like `?`,
///   `return Ok(v)` makes `v` the arm's value, any other `return` (such as
///   `anyhow::bail!`'s) does not compile: write `Err(anyhow!(..))?`.
/// - Options map to the [`Builder`] methods of the same name: `name = "..."`,
///   `timeout = Duration`, `deadline = tokio::time::Instant`, `limit = usize`,
///   `grace = Duration`, `cancel_on = CancellationToken` (feature `tokio-util`:
///   the token's cancellation shuts the group down), and the flags
///   `supervise,` and `local,` (a local
///   group, [`Builder::local`]: `tg` is then a [`LocalScope`], whose scoped
///   tasks need not be `Send`). An option value that
///   contains a top-level `|` must be parenthesized.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use taskgroup::{task_group, ErrorGroup};
///
/// #[derive(Debug)]
/// struct ValueError(u32);
/// impl std::fmt::Display for ValueError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "bad value {}", self.0)
///     }
/// }
/// impl std::error::Error for ValueError {}
///
/// async fn check(n: u32) -> Result<u32, ValueError> {
///     if n % 3 == 0 { Err(ValueError(n)) } else { Ok(n) }
/// }
///
/// # #[tokio::main] async fn main() -> Result<(), ErrorGroup> {
/// let mut bad = Vec::new();
/// let handles = task_group! {
///     timeout = Duration::from_secs(10),
///     |tg| (1..=4).map(|n| tg.spawn(check(n))).collect::<Vec<_>>()
///     except* ValueError as eg => {
///         bad.extend(eg.iter().map(|e| e.0));
///         Vec::new()
///     }
/// }?;
/// assert_eq!(bad, [3]);
/// assert!(handles.is_empty());
/// # Ok(()) }
/// ```
///
/// # The same without the macro
///
/// The macro lowers to core calls only; the example above is, written by hand
/// with [`TaskGroup::builder`] and [`ExceptStar`]:
///
/// ```
/// use std::time::Duration;
/// use taskgroup::{BoxError, ErrorGroup, ExceptStar, TaskGroup};
///
/// # #[derive(Debug)]
/// # struct ValueError(u32);
/// # impl std::fmt::Display for ValueError {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
/// #         write!(f, "bad value {}", self.0)
/// #     }
/// # }
/// # impl std::error::Error for ValueError {}
/// # async fn check(n: u32) -> Result<u32, ValueError> {
/// #     if n % 3 == 0 { Err(ValueError(n)) } else { Ok(n) }
/// # }
/// # #[tokio::main] async fn main() -> Result<(), ErrorGroup> {
/// let mut bad = Vec::new();
/// let result = TaskGroup::builder()
///     .timeout(Duration::from_secs(10))
///     .run(async |tg| {
///         Ok::<_, BoxError>((1..=4).map(|n| tg.spawn(check(n))).collect::<Vec<_>>())
///     })
///     .await;
/// let mut dispatch = ExceptStar::new(result);
/// if let Some(eg) = dispatch.take::<ValueError>() {
///     bad.extend(eg.iter().map(|e| e.0));
///     dispatch.settle(Ok(Vec::new()));
/// }
/// let handles = dispatch.finish()?;
/// assert_eq!(bad, [3]);
/// assert!(handles.is_empty());
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! task_group {
    ($($input:tt)*) => {{
        // The futures-rs trick: `$crate` finds this crate even when it is renamed
        // or re-exported, and the proc macro refers to it as `__taskgroup`.
        use $crate::__private as __taskgroup;
        $crate::__private::task_group_impl! { $($input)* }
    }};
}

/// Not public API: what the expansions of `task_group!` and `#[except_star]`
/// refer to. It may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use core::option::Option::Some;
    pub use core::result::Result::{self, Ok};
    pub use taskgroup_core::__macro_support::*;
    pub use taskgroup_core::{
        BoxError, ErrorGroup, ExceptStar, LocalScope, Raise, Scope, TaskGroup,
    };
    pub use taskgroup_macros::task_group_impl;
}

// ------------------------------- end of macros ------------------------------
