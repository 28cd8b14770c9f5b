//! The arguments of `#[except_star]` on a function: `(crate = "PATH")?`.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Ident, LitStr, Path, Token};

use crate::ast::AttrArgs;
use crate::ctxt::Ctxt;
use crate::parse::cursor::skip_past_comma;

/// Parses the attribute's arguments; never fails: mistakes are recorded in `cx`.
pub(crate) fn attr_args(input: ParseStream<'_>, cx: &Ctxt) -> AttrArgs {
    let mut krate = None;
    while !input.is_empty() {
        let Ok(key) = input.call(Ident::parse_any) else {
            cx.syn_error(input.error("expected `crate = \"path\"`"));
            break;
        };
        if key != "crate" {
            cx.error_at(
                key.span(),
                format!("unknown option `{key}`; expected `crate = \"path\"`"),
            );
            skip_past_comma(input);
            continue;
        }
        if input.parse::<Token![=]>().is_err() {
            cx.error_at(key.span(), "expected `crate = \"path\"`");
            skip_past_comma(input);
            continue;
        }
        let Ok(lit) = input.parse::<LitStr>() else {
            cx.syn_error(input.error(
                "expected a string literal: `crate = \"path\"`, such as `crate = \"taskgroup\"`",
            ));
            skip_past_comma(input);
            continue;
        };
        match lit.parse::<Path>() {
            Ok(path) if krate.is_none() => krate = Some(path),
            Ok(_) => cx.error_at(key.span(), "duplicate option `crate`"),
            Err(_) => cx.error_at(
                lit.span(),
                format!(
                    "`crate` must be a path to the taskgroup crate, such as \
                     \"taskgroup\" or \"::my_crate::taskgroup\"; found {:?}",
                    lit.value()
                ),
            ),
        }
        if !input.is_empty() && input.parse::<Token![,]>().is_err() {
            cx.syn_error(input.error("expected `,`"));
            break;
        }
    }
    AttrArgs { krate }
}
