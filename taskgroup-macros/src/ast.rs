//! The typed AST of both macros, with the grammar of each construct in its doc
//! comment. Every node keeps the user's tokens, so that errors and the parts of
//! the expansion a type error may point at carry the user's spans.
//!
//! Nothing here records errors or rewrites anything: the parsers build these
//! nodes, the checks read them, and the lowering turns them into tokens.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Arm, Attribute, Expr, Ident, Pat, Path, Token, Type};

/// The input of `task_group!`.
///
/// ```text
/// task_group! {
///     (OPTION = EXPR ,)*                   // name, timeout, deadline, limit, grace, cancel_on
///     (supervise ,)? (local ,)?
///     (async)? (move)? |tg| BODY           // `|_|` or `||` when the handle is not needed
///     (except* CATCH (as IDENT)? => ARM ,?)*
///     (except* _ (as IDENT)? => ARM ,?)?   // catch-all, last
/// }
/// CATCH := TYPE (| TYPE)*                  // eg: ErrorGroup<TYPE> for one type
///        | PATTERN (| PATTERN)*            // patterns of one enum: eg: ErrorGroup<ENUM>
/// PATTERN := ENUM::VARIANT(..) | ENUM::VARIANT { .. } | ENUM::VARIANT {}
/// ```
pub(crate) struct TaskGroupInput {
    /// The options before the body, in source order (unknown ones dropped).
    pub options: Vec<GroupOption>,
    /// The body, or `None` when it is missing or could not be parsed.
    pub body: Option<Body>,
    /// The except* arms that parsed, in source order.
    pub arms: Vec<ExceptArm>,
}

/// One `task_group!` option: `NAME = EXPR` or the flag `supervise`.
///
/// ```text
/// name = EXPR | timeout = EXPR | deadline = EXPR | limit = EXPR | grace = EXPR
///     | cancel_on = EXPR                 // a `CancellationToken` (feature `tokio-util`)
///     | supervise | local                // flags: `local` makes the handle a `LocalScope`
/// ```
pub(crate) struct GroupOption {
    /// Which option.
    pub kind: OptionKind,
    /// The option's name as the user wrote it, for spans.
    pub name: Ident,
    /// The value; `None` for the flags `supervise` and `local`.
    pub value: Option<Expr>,
}

/// The known `task_group!` options; each maps to the builder method of that name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum OptionKind {
    Name,
    Timeout,
    Deadline,
    Limit,
    Grace,
    Supervise,
    Local,
    CancelOn,
}

impl OptionKind {
    /// The options in the order the error messages list them.
    pub(crate) const NAMES: &'static str =
        "`name`, `timeout`, `deadline`, `limit`, `grace`, `cancel_on`, `supervise`, `local`";

    /// The option a name stands for, if it is one.
    pub(crate) fn from_ident(ident: &Ident) -> Option<Self> {
        Some(match ident.to_string().as_str() {
            "name" => OptionKind::Name,
            "timeout" => OptionKind::Timeout,
            "deadline" => OptionKind::Deadline,
            "limit" => OptionKind::Limit,
            "grace" => OptionKind::Grace,
            "supervise" => OptionKind::Supervise,
            "local" => OptionKind::Local,
            "cancel_on" => OptionKind::CancelOn,
            _ => return None,
        })
    }

    /// Whether the option is `NAME = EXPR` rather than a flag.
    pub(crate) fn takes_value(self) -> bool {
        !matches!(self, OptionKind::Supervise | OptionKind::Local)
    }

    /// The builder method the option calls.
    pub(crate) fn method(self) -> &'static str {
        match self {
            OptionKind::Name => "name",
            OptionKind::Timeout => "timeout",
            OptionKind::Deadline => "deadline",
            OptionKind::Limit => "limit",
            OptionKind::Grace => "grace",
            OptionKind::Supervise => "supervise",
            OptionKind::Local => "local",
            OptionKind::CancelOn => "cancel_on",
        }
    }
}

/// The body of `task_group!`: an async closure over the group handle, without
/// the `async` (it is always async).
///
/// ```text
/// (async)? (move)? | PARAM (: TYPE)? | EXPR
/// (async)? (move)? || EXPR
/// PARAM := IDENT | mut IDENT | _
/// ```
pub(crate) struct Body {
    /// `move`, to move captured locals into the body.
    pub capture: Option<Token![move]>,
    /// The handle's binding; `None` for `||`.
    pub param: Option<Param>,
    /// The handle's type, if the user wrote one.
    pub param_ty: Option<Type>,
    /// The body expression; its value is the group's value.
    pub expr: Expr,
    /// Whether the `|tg|` was missing (already reported) and `tg` is bound for it.
    pub implicit: bool,
}

/// A closure parameter or an arm's binding: a name (maybe `mut`) or `_`.
#[derive(Clone)]
pub(crate) enum Param {
    /// `IDENT` or `mut IDENT`.
    Name(Option<Token![mut]>, Ident),
    /// `_`.
    Wild(Token![_]),
}

impl ToTokens for Param {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Param::Name(mutability, ident) => {
                mutability.to_tokens(tokens);
                ident.to_tokens(tokens);
            }
            Param::Wild(underscore) => underscore.to_tokens(tokens),
        }
    }
}

/// One except* arm, from `task_group!` or from an `#[except_star] match`.
///
/// ```text
/// except* CATCH (as BINDING)? => EXPR ,?              // task_group!
/// except* _ (as BINDING)? => EXPR ,?
/// TYPE(BINDING) (| TYPE(BINDING))* => EXPR ,?         // #[except_star] match
/// BINDING @ PATTERN => EXPR ,?
/// BINDING @ (PATTERN (| PATTERN)*) => EXPR ,?
/// BINDING => EXPR ,?
/// ```
pub(crate) struct ExceptArm {
    /// What the arm takes.
    pub catch: Catch,
    /// The name of the subgroup the arm receives; `None` binds nothing.
    pub binding: Option<Param>,
    /// A guard the user wrote (refused, but kept so that its names stay used).
    pub guard: Option<(Token![if], Expr)>,
    /// The arm's value; `None` when it could not be parsed (already reported).
    pub body: Option<Expr>,
    /// Where the arm starts (`except` or the pattern), for errors about the arm.
    pub head: TokenStream,
}

/// What an arm takes.
pub(crate) enum Catch {
    /// Leaves of these types; one type gives a typed group.
    Types(Vec<Type>),
    /// Leaves of one type whose value matches one of these patterns.
    Patterns(Vec<VariantPat>),
    /// Everything left (`except* _`, or a bare binding in a match).
    All,
}

impl Catch {
    /// Whether the arm names nothing it could take (an empty type list, or a
    /// pattern whose type cannot be named), so that it is not lowered at all.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Catch::Types(types) => types.is_empty(),
            Catch::Patterns(patterns) => patterns.first().is_none_or(|first| first.ty.is_none()),
            Catch::All => false,
        }
    }
}

/// One alternative of a pattern arm: a pattern of an enum's variant (or a
/// struct) and the type it is a pattern of, which is its path without the
/// last segment (`JobError` for `JobError::Parse(..)`).
pub(crate) struct VariantPat {
    /// The type the pattern is of; `None` when the path has one segment
    /// (`Parse(..)` after `use JobError::*`), so the type cannot be named.
    pub ty: Option<Type>,
    /// The pattern, as the user wrote it.
    pub pat: Pat,
}

impl VariantPat {
    /// Reads a variant pattern: `PATH(..)`, `PATH { .. }` or a `PATH` of two
    /// segments or more; `None` for any other pattern.
    pub(crate) fn new(pat: Pat) -> Option<Self> {
        let path = match &pat {
            Pat::TupleStruct(tuple) if tuple.qself.is_none() => &tuple.path,
            Pat::Struct(strukt) if strukt.qself.is_none() => &strukt.path,
            Pat::Path(path) if path.qself.is_none() && path.path.segments.len() > 1 => &path.path,
            _ => return None,
        };
        let count = path.segments.len();
        let ty = (count > 1).then(|| {
            Type::Path(syn::TypePath {
                qself: None,
                path: Path {
                    leading_colon: path.leading_colon,
                    segments: path.segments.iter().take(count - 1).cloned().collect(),
                },
            })
        });
        Some(VariantPat { ty, pat })
    }
}

/// An `#[except_star] match`, taken apart.
///
/// ```text
/// #[except_star] match SCRUTINEE {
///     Ok(PAT) (if GUARD)? => EXPR,           // at least one; any number, anywhere
///     TYPE(BINDING) => EXPR,
///     A(BINDING) | B(BINDING) => EXPR,
///     BINDING @ ENUM::VARIANT(..) => EXPR,
///     BINDING @ (ENUM::X(..) | ENUM::Y { .. }) => EXPR,
///     BINDING => EXPR,                       // catch-all (`_` binds nothing), last
/// }
/// ```
pub(crate) struct ExceptMatch {
    /// The match's other attributes, kept on the lowered match.
    pub attrs: Vec<Attribute>,
    /// The `match` keyword, where errors about the whole match point.
    pub match_token: Token![match],
    /// The match's braces, kept so that rustc's "match arms" labels point at them.
    pub brace_token: syn::token::Brace,
    /// The `Result` being dispatched.
    pub scrutinee: Expr,
    /// The `Ok(..)` arms, unchanged.
    pub ok_arms: Vec<Arm>,
    /// The except* arms, in source order.
    pub arms: Vec<ExceptArm>,
}

/// The arguments of the `#[except_star]` attribute on a function.
///
/// ```text
/// #[except_star]
/// #[except_star(crate = "PATH")]
/// ```
pub(crate) struct AttrArgs {
    /// The path to the `taskgroup` crate, if given.
    pub krate: Option<Path>,
}

/// Whether a match arm is an `Ok(..)` arm, which handles the success value.
pub(crate) fn is_ok_arm(arm: &Arm) -> bool {
    is_variant(&arm.pat, "Ok")
}

/// Whether a pattern is `NAME(..)` (also `Result::NAME(..)`), or an or-pattern
/// with such an alternative.
fn is_variant(pat: &Pat, name: &str) -> bool {
    match pat {
        Pat::TupleStruct(tuple) => is_variant_path(&tuple.path, name),
        Pat::Or(or) => or.cases.iter().any(|case| is_variant(case, name)),
        Pat::Paren(paren) => is_variant(&paren.pat, name),
        _ => false,
    }
}

/// Whether `path` is `NAME` or `Result::NAME`.
pub(crate) fn is_variant_path(path: &Path, name: &str) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == name)
        && (path.segments.len() == 1
            || path
                .segments
                .iter()
                .rev()
                .nth(1)
                .is_some_and(|segment| segment.ident == "Result"))
}

/// A type or pattern as text without spaces, to compare ones written the same way.
pub(crate) fn key(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}

/// Tokens as the user would write them: `io::Error`, `Vec<u8>`, `dyn Error`
/// (`TokenStream`'s `Display` puts spaces between all tokens).
pub(crate) fn display(tokens: &impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    for piece in text.split(' ').filter(|piece| !piece.is_empty()) {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if previous == Some(',') || (word(previous) && word(piece.chars().next())) {
            out.push(' ');
        }
        out.push_str(piece);
        previous = piece.chars().last();
    }
    out
}
