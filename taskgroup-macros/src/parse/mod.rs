//! Parsing `task_group!` into its [`TaskGroupInput`], and recovering from mistakes.
//!
//! Parsing recovers where it can: a malformed option or arm is recorded in the
//! [`Ctxt`] and skipped, so the rest still parses and expands, and the user
//! sees one error per mistake instead of a cascade from a half-expanded macro.
//! Mistakes that need more than one token to see are left to the checks.

mod arm;
mod body;
pub(crate) mod cursor;
pub(crate) mod fast;
mod option;

use syn::parse::ParseStream;

use self::arm::parse_group_arm;
use self::body::{implicit_body, parse_body, recover_statements};
use self::cursor::{at_body, at_except, skip_to_except, skip_token};
use self::option::parse_options;
use crate::ast::TaskGroupInput;
use crate::ctxt::Ctxt;

/// Parses the input of `task_group!`; never fails: what cannot be parsed is
/// recorded in `cx` and left out.
pub(crate) fn task_group(input: ParseStream<'_>, cx: &Ctxt) -> TaskGroupInput {
    let options = parse_options(input, cx);
    let body = if input.is_empty() || at_except(input) {
        cx.error_at(
            input.span(),
            "missing task group body; expected `|tg| BODY` before the except* arms",
        );
        None
    } else if !at_body(input) {
        cx.syn_error(
            input
                .error("expected the task group body: `|tg| BODY`, where `tg` is the group handle"),
        );
        implicit_body(input)
    } else {
        match parse_body(input, cx) {
            Ok(body) => Some(body),
            Err(error) => {
                cx.syn_error(error);
                skip_to_except(input);
                None
            }
        }
    };
    let body = body.map(|body| recover_statements(input, body, cx));
    let mut arms = Vec::new();
    while !input.is_empty() {
        if !at_except(input) {
            cx.syn_error(input.error("expected an except* arm: `except* TYPE as eg => ...`"));
            skip_token(input);
            skip_to_except(input);
            continue;
        }
        match parse_group_arm(input, cx) {
            Ok(arm) => arms.push(arm),
            Err(error) => {
                cx.syn_error(error);
                skip_to_except(input);
            }
        }
    }
    TaskGroupInput {
        options,
        body,
        arms,
    }
}
