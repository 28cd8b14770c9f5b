//! The one collector of user errors, shared by every stage (serde_derive's `Ctxt`).
//!
//! Stages record mistakes and go on, so one compile shows all of them; the entry
//! point consumes the collector with [`Ctxt::check`] and emits the combined
//! error next to the best-effort expansion.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The user errors found so far. Shared by reference (`&Ctxt`): recording an
/// error does not need the stage to own or thread a `&mut` collector.
pub(crate) struct Ctxt {
    /// `None` once checked, so that the drop guard knows.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    /// An empty collector; it must be consumed with [`check`](Self::check).
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error spanning the tokens of `tokens`.
    pub(crate) fn error_spanned_by(&self, tokens: impl ToTokens, message: impl Display) {
        self.syn_error(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an error at one span (a token the parser is looking at).
    pub(crate) fn error_at(&self, span: Span, message: impl Display) {
        self.syn_error(syn::Error::new(span, message));
    }

    /// Records an error that `syn` produced.
    pub(crate) fn syn_error(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// Whether any error was recorded: the best-effort expansion then needs
    /// its error-path repairs.
    pub(crate) fn has_errors(&self) -> bool {
        self.errors
            .borrow()
            .as_ref()
            .is_some_and(|errors| !errors.is_empty())
    }

    /// Consumes the collector: `Err` with every recorded error combined, in
    /// the order they were found.
    pub(crate) fn check(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    /// A collector dropped without [`check`](Ctxt::check) lost its errors: a
    /// bug in this crate, caught by its tests in debug builds.
    fn drop(&mut self) {
        if cfg!(debug_assertions) && !std::thread::panicking() && self.errors.get_mut().is_some() {
            panic!("a `Ctxt` was dropped without `check`: its errors were never reported");
        }
    }
}
