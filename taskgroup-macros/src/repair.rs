//! The error path's rewrites: after the checks reported a mistake, the input is
//! changed so that the best-effort expansion adds no rustc errors of its own
//! (the user sees the one error reported, not a cascade about generated code).
//!
//! Only run when there are errors; a correct input is lowered as parsed.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::Expr;

use crate::ast::{ExceptArm, ExceptMatch, TaskGroupInput};
use crate::escapes::for_each_escape;

impl TaskGroupInput {
    /// Keeps the first of each repeated option, and takes the refused control
    /// flow out of the body and the arms.
    pub(crate) fn repair(&mut self) {
        let mut seen = HashSet::new();
        self.options
            .retain(|option| seen.insert(option.name.to_string()));
        if let Some(body) = &mut self.body {
            replace_escapes(&mut body.expr);
        }
        repair_arms(&mut self.arms);
    }
}

impl ExceptMatch {
    /// Takes the refused control flow out of the except* arms.
    pub(crate) fn repair(&mut self) {
        repair_arms(&mut self.arms);
    }
}

fn repair_arms(arms: &mut [ExceptArm]) {
    for arm in arms {
        if let Some((_, guard)) = &mut arm.guard {
            replace_escapes(guard);
        }
        if let Some(body) = &mut arm.body {
            replace_escapes(body);
        }
    }
}

/// Replaces each `return`, `break` or `continue` that leaves `expr` (each
/// already reported) with `unreachable!()`, which has any type, so that the
/// expansion type-checks around it.
fn replace_escapes(expr: &mut Expr) {
    // The escapes are found by the same walk that reported them, and recognised
    // again by address: identity, as two escapes may be written the same way.
    let mut targets = HashSet::new();
    for_each_escape(expr, |found, _| {
        targets.insert(found as *const Expr);
    });
    if !targets.is_empty() {
        Replace(targets).visit_expr_mut(expr);
    }
}

struct Replace(HashSet<*const Expr>);

impl VisitMut for Replace {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if self.0.contains(&(expr as *const Expr)) {
            let span = expr.span();
            *expr = Expr::Verbatim(quote::quote_spanned!(span=> ::core::unreachable!()));
        } else {
            syn::visit_mut::visit_expr_mut(self, expr);
        }
    }
}
