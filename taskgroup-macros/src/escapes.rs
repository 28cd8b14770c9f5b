//! Finding control flow that would leave an expression: `return`, and `break`
//! or `continue` aimed at a loop or block outside it.
//!
//! Read-only: the checks report what this finds, and the error-path repair
//! replaces the same expressions. It does not enter closures, async blocks or
//! items (their control flow is their own), nor the except* arms of a nested
//! `#[except_star] match` (found when that match is lowered).

use syn::visit::Visit;
use syn::{Expr, Lifetime};

use crate::ast::is_ok_arm;
use crate::marker::is_marker;

/// Calls `found` with every expression in `expr` that leaves it, with its keyword.
pub(crate) fn for_each_escape<'ast>(expr: &'ast Expr, found: impl FnMut(&'ast Expr, &'static str)) {
    let mut walker = Escapes {
        loops: 0,
        labels: Vec::new(),
        found,
    };
    walker.visit_expr(expr);
}

struct Escapes<'ast, F> {
    /// Loops entered inside the walked expression.
    loops: usize,
    /// Labels of loops and blocks entered inside the walked expression.
    labels: Vec<&'ast syn::Ident>,
    found: F,
}

impl<'ast, F: FnMut(&'ast Expr, &'static str)> Escapes<'ast, F> {
    fn known_label(&self, label: &Option<Lifetime>) -> bool {
        match label {
            Some(label) => self.labels.iter().any(|known| **known == label.ident),
            None => self.loops > 0,
        }
    }

    fn in_loop(&mut self, label: Option<&'ast syn::Label>, body: &'ast syn::Block) {
        let pushed = label.map(|label| self.labels.push(&label.name.ident));
        self.loops += 1;
        self.visit_block(body);
        self.loops -= 1;
        if pushed.is_some() {
            self.labels.pop();
        }
    }
}

impl<'ast, F: FnMut(&'ast Expr, &'static str)> Visit<'ast> for Escapes<'ast, F> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Return(_) => (self.found)(expr, "return"),
            Expr::Break(node) if !self.known_label(&node.label) => (self.found)(expr, "break"),
            Expr::Continue(node) if !self.known_label(&node.label) => {
                (self.found)(expr, "continue");
            }
            Expr::Loop(node) => self.in_loop(node.label.as_ref(), &node.body),
            Expr::While(node) => {
                self.visit_expr(&node.cond);
                self.in_loop(node.label.as_ref(), &node.body);
            }
            Expr::ForLoop(node) => {
                self.visit_expr(&node.expr);
                self.in_loop(node.label.as_ref(), &node.body);
            }
            Expr::Block(node) => {
                let pushed = node
                    .label
                    .as_ref()
                    .map(|label| self.labels.push(&label.name.ident));
                self.visit_block(&node.block);
                if pushed.is_some() {
                    self.labels.pop();
                }
            }
            Expr::Match(node) if node.attrs.iter().any(is_marker) => {
                // A nested `#[except_star] match`: its except* arms are checked when
                // it is lowered; its scrutinee and `Ok` arms run here.
                self.visit_expr(&node.expr);
                for arm in node.arms.iter().filter(|arm| is_ok_arm(arm)) {
                    self.visit_arm(arm);
                }
            }
            Expr::Closure(_) | Expr::Async(_) => {}
            _ => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
