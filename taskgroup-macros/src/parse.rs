//! Parsing: `syn` `Parse` impls and converters into typed AST structs that keep the
//! user's spans.
//!
//! Parsing recovers where it can: a malformed option or arm is recorded in the
//! input's [`Errors`] and skipped, so the rest still parses and expands, and the
//! user sees one error per mistake instead of a cascade from a half-expanded macro.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::buffer::Cursor;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Arm, Attribute, Expr, ExprMatch, Ident, LitStr, Pat, Path, Token, Type};

use crate::valid::Errors;

/// The options `task_group!` accepts, in the order the error messages list them.
pub(crate) const OPTION_NAMES: &str =
    "`name`, `timeout`, `deadline`, `limit`, `grace`, `supervise`";

/// The input of `task_group!`.
///
/// ```text
/// task_group! {
///     (OPTION = EXPR ,)*                   // name, timeout, deadline, limit, grace
///     (supervise ,)?
///     (async)? (move)? |tg| BODY           // `|_|` or `||` when the handle is not needed
///     (except* TYPE (| TYPE)* (as IDENT)? => ARM ,?)*
///     (except* _ (as IDENT)? => ARM ,?)?   // catch-all, last
/// }
/// ```
pub(crate) struct TaskGroupInput {
    /// The options before the body, in source order (unknown ones dropped).
    pub options: Vec<GroupOption>,
    /// The body, or `None` when it is missing or could not be parsed.
    pub body: Option<Body>,
    /// The except* arms that parsed, in source order.
    pub arms: Vec<ExceptArm>,
    /// Mistakes found while parsing; parsing went on past each of them.
    pub errors: Errors,
}

/// One `task_group!` option: `NAME = EXPR` or the flag `supervise`.
///
/// ```text
/// name = EXPR | timeout = EXPR | deadline = EXPR | limit = EXPR | grace = EXPR | supervise
/// ```
pub(crate) struct GroupOption {
    /// Which option.
    pub kind: OptionKind,
    /// The option's name as the user wrote it, for spans.
    pub name: Ident,
    /// The value; `None` for `supervise`.
    pub value: Option<Expr>,
}

/// The known `task_group!` options; each maps to the builder method of that name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionKind {
    Name,
    Timeout,
    Deadline,
    Limit,
    Grace,
    Supervise,
}

impl OptionKind {
    fn from_ident(ident: &Ident) -> Option<Self> {
        Some(match ident.to_string().as_str() {
            "name" => OptionKind::Name,
            "timeout" => OptionKind::Timeout,
            "deadline" => OptionKind::Deadline,
            "limit" => OptionKind::Limit,
            "grace" => OptionKind::Grace,
            "supervise" => OptionKind::Supervise,
            _ => return None,
        })
    }

    fn takes_value(self) -> bool {
        self != OptionKind::Supervise
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
/// except* TYPE (| TYPE)* (as BINDING)? => EXPR ,?     // task_group!
/// except* _ (as BINDING)? => EXPR ,?
/// TYPE(BINDING) (| TYPE(BINDING))* => EXPR ,?         // #[except_star] match
/// BINDING => EXPR ,?
/// ```
pub(crate) struct ExceptArm {
    /// What the arm takes.
    pub catch: Catch,
    /// The name of the subgroup the arm receives; `None` binds nothing.
    pub binding: Option<Param>,
    /// The arm's value.
    pub body: Expr,
    /// Where the arm starts (`except` or the pattern), for errors about the arm.
    pub head: TokenStream,
    /// Set by validation when the arm must not be expanded (it would only add
    /// rustc errors on top of the one already reported).
    pub skip: bool,
}

/// The error types an arm takes.
pub(crate) enum Catch {
    /// Leaves of these types; one type gives a typed group.
    Types(Vec<Type>),
    /// Everything left (`except* _`, or a bare binding in a match).
    All,
}

/// An `#[except_star] match`, taken apart.
///
/// ```text
/// #[except_star] match SCRUTINEE {
///     Ok(PAT) (if GUARD)? => EXPR,           // at least one; any number, anywhere
///     TYPE(BINDING) => EXPR,
///     A(BINDING) | B(BINDING) => EXPR,
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
    /// Mistakes in the arguments.
    pub errors: Errors,
}

impl Parse for TaskGroupInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let options = parse_options(input, &mut errors);
        let body = if input.is_empty() || at_except(input) {
            errors.push(syn::Error::new(
                input.span(),
                "missing task group body; expected `|tg| BODY` before the except* arms",
            ));
            None
        } else if !at_body(input) {
            errors.push(input.error(
                "expected the task group body: `|tg| BODY`, where `tg` is the group handle",
            ));
            implicit_body(input)
        } else {
            match parse_body(input, &mut errors) {
                Ok(body) => Some(body),
                Err(error) => {
                    errors.push(error);
                    skip_to_except(input);
                    None
                }
            }
        };
        let body = body.map(|body| recover_statements(input, body, &mut errors));
        let mut arms = Vec::new();
        while !input.is_empty() {
            if !at_except(input) {
                errors.push(input.error("expected an except* arm: `except* TYPE as eg => ...`"));
                skip_token(input);
                skip_to_except(input);
                continue;
            }
            match parse_group_arm(input, &mut errors) {
                Ok(arm) => arms.push(arm),
                Err(error) => {
                    errors.push(error);
                    skip_to_except(input);
                }
            }
        }
        Ok(TaskGroupInput {
            options,
            body,
            arms,
            errors,
        })
    }
}

/// Recovers a body that forgot its `|tg|`: parses what is there as the body and
/// binds `tg` for it, so that the one error reported is not followed by
/// "cannot find value `tg`" wherever the body uses the handle.
fn implicit_body(input: ParseStream<'_>) -> Option<Body> {
    let span = input.span();
    match input.parse::<Expr>() {
        Ok(expr) => Some(Body {
            capture: None,
            param: Some(Param::Name(None, Ident::new("tg", span))),
            param_ty: None,
            expr,
            implicit: true,
        }),
        Err(_) => {
            skip_to_except(input);
            None
        }
    }
}

/// Recovers `|tg| a; b; c` (statements without a block): reports it and takes
/// everything up to the first arm as the block the user meant.
fn recover_statements(input: ParseStream<'_>, mut body: Body, errors: &mut Errors) -> Body {
    if !input.peek(Token![;]) {
        return body;
    }
    errors.push(input.error(
        "expected `except*` after the task group body; \
         to run several statements, wrap them in a block: `|tg| { ... }`",
    ));
    let mut rest = TokenStream::new();
    while !input.is_empty() && !at_except(input) {
        match input.parse::<TokenTree>() {
            Ok(tt) => rest.extend([tt]),
            Err(_) => break,
        }
    }
    let expr = &body.expr;
    let statements = quote::quote!(#expr #rest);
    if let Ok(stmts) = syn::parse::Parser::parse2(syn::Block::parse_within, statements) {
        body.expr = Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: syn::Block {
                brace_token: syn::token::Brace::default(),
                stmts,
            },
        });
    }
    body
}

/// Parses `(OPTION (= EXPR)? ,)*`, stopping at the body. Bad options are
/// recorded and skipped.
fn parse_options(input: ParseStream<'_>, errors: &mut Errors) -> Vec<GroupOption> {
    let mut options = Vec::new();
    // `peek(Ident)` is false for keywords, so `move |tg|` and `async |tg|` end the loop.
    while input.peek(Ident) && !at_except(input) && looks_like_option(input) {
        let Ok(name) = input.parse::<Ident>() else {
            break;
        };
        let value = parse_option_value(input, &name, errors);
        match OptionKind::from_ident(&name) {
            None => errors.push(syn::Error::new(
                name.span(),
                format!("unknown option `{name}`; expected one of: {OPTION_NAMES}"),
            )),
            // A valued option without a usable value was reported and cannot be expanded.
            Some(kind) if kind.takes_value() && value.is_none() => {}
            Some(kind) => options.push(GroupOption { kind, name, value }),
        }
    }
    options
}

/// Whether the ident at the cursor starts an option rather than a body that
/// forgot its `|tg|`: a known option name, or any name followed by `=`, `,` or `:`.
fn looks_like_option(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    let Ok(ident) = fork.parse::<Ident>() else {
        return false;
    };
    OptionKind::from_ident(&ident).is_some()
        || fork.peek(Token![=])
        || fork.peek(Token![,])
        || fork.peek(Token![:])
}

/// Parses what follows an option's name: `= EXPR ,`, `,`, or the body.
/// Returns the value, if the option has a usable one.
fn parse_option_value(input: ParseStream<'_>, name: &Ident, errors: &mut Errors) -> Option<Expr> {
    let known = OptionKind::from_ident(name);
    let takes_value = known.is_none_or(OptionKind::takes_value);
    let mut last_value_span = None;
    let has_value = if input.peek(Token![=]) && !input.peek(Token![==]) && !input.peek(Token![=>]) {
        let _ = input.parse::<Token![=]>();
        true
    } else if input.peek(Token![:]) && !input.peek(Token![::]) {
        let _ = input.parse::<Token![:]>();
        if known.is_some() {
            errors.push(syn::Error::new(
                name.span(),
                format!("expected `=` after option `{name}`, found `:`; write `{name} = ...`"),
            ));
        }
        true
    } else {
        false
    };
    let value = if has_value {
        let tokens = collect_option_tokens(input);
        last_value_span = tokens.clone().into_iter().last().map(|tt| tt.span());
        if tokens.is_empty() {
            if known.is_some() {
                errors.push(syn::Error::new(
                    name.span(),
                    format!("option `{name}` needs a value: `{name} = ...`"),
                ));
            }
            None
        } else if known == Some(OptionKind::Supervise) {
            errors.push(syn::Error::new_spanned(
                &tokens,
                "option `supervise` takes no value; write `supervise,`",
            ));
            None
        } else {
            match syn::parse2::<Expr>(tokens) {
                Ok(expr) => Some(expr),
                Err(error) => {
                    if known.is_some() {
                        errors.push(error);
                    }
                    None
                }
            }
        }
    } else {
        if known.is_some() && takes_value {
            errors.push(syn::Error::new(
                name.span(),
                format!("option `{name}` needs a value: `{name} = ...`"),
            ));
        }
        None
    };
    if input.peek(Token![,]) {
        let _ = input.parse::<Token![,]>();
    } else if !input.is_empty() && known.is_some() {
        errors.push(syn::Error::new(
            last_value_span.unwrap_or_else(|| name.span()),
            format!("expected `,` after option `{name}`"),
        ));
        if !at_body(input) {
            skip_token(input);
        }
    }
    value
}

/// Collects the tokens of an option's value: everything up to the next `,` at
/// this level, or up to what starts the body (`|`, `move |`, `async |`). Values
/// with a top-level `|` must be parenthesized; in exchange, a forgotten comma
/// before the body is reported as such instead of as a strange closure.
fn collect_option_tokens(input: ParseStream<'_>) -> TokenStream {
    input
        .step(|cursor| {
            let mut tokens = TokenStream::new();
            let mut rest = *cursor;
            while !rest.eof() && !cursor_at_body(rest) {
                if let Some((punct, _)) = rest.punct() {
                    if punct.as_char() == ',' {
                        break;
                    }
                }
                match rest.token_tree() {
                    Some((tt, next)) => {
                        tokens.extend([tt]);
                        rest = next;
                    }
                    None => break,
                }
            }
            Ok((tokens, rest))
        })
        .unwrap_or_default()
}

/// Whether the cursor is at `|`, `||`, `move |` or `async |`, the start of a body.
fn cursor_at_body(cursor: Cursor<'_>) -> bool {
    if let Some((punct, _)) = cursor.punct() {
        return punct.as_char() == '|';
    }
    if let Some((ident, next)) = cursor.ident() {
        if ident == "move" || ident == "async" {
            return cursor_at_body(next);
        }
    }
    false
}

fn at_body(input: ParseStream<'_>) -> bool {
    cursor_at_body(input.cursor())
}

/// Whether the next token is the identifier `except`.
fn at_except(input: ParseStream<'_>) -> bool {
    input
        .cursor()
        .ident()
        .is_some_and(|(ident, _)| ident == "except")
}

/// Skips token trees up to the next `except` at this level (or the end).
fn skip_to_except(input: ParseStream<'_>) {
    while !input.is_empty() && !at_except(input) {
        skip_token(input);
    }
}

fn skip_token(input: ParseStream<'_>) {
    let _ = input.step(|cursor| match cursor.token_tree() {
        Some((_, next)) => Ok(((), next)),
        None => Err(cursor.error("unexpected end of input")),
    });
}

/// Parses `(async)? (move)? |PARAM (: TYPE)?| EXPR` or `(async)? (move)? || EXPR`.
fn parse_body(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Body> {
    // `async` is accepted and ignored: the body is always async.
    let _asyncness: Option<Token![async]> = input.parse()?;
    let capture: Option<Token![move]> = input.parse()?;
    let mut implicit = false;
    let (param, param_ty) = if input.peek(Token![||]) {
        input.parse::<Token![||]>()?;
        (None, None)
    } else if input.peek(Token![|]) {
        input.parse::<Token![|]>()?;
        let span = input.span();
        match parse_param(input, "a name for the task group handle, such as `tg`") {
            Ok(param) => {
                let param_ty = if input.peek(Token![:]) {
                    input.parse::<Token![:]>()?;
                    Some(input.parse::<Type>()?)
                } else {
                    None
                };
                input.parse::<Token![|]>()?;
                (Some(param), param_ty)
            }
            Err(error) => {
                // Reported; bind `tg` for the body, which most likely uses it.
                errors.push(error);
                while !input.is_empty() && !input.peek(Token![|]) {
                    skip_token(input);
                }
                input.parse::<Token![|]>()?;
                implicit = true;
                (Some(Param::Name(None, Ident::new("tg", span))), None)
            }
        }
    } else {
        return Err(input
            .error("expected the task group body: `|tg| BODY`, where `tg` is the group handle"));
    };
    if input.is_empty() || at_except(input) {
        return Err(input.error("missing task group body after `|tg|`"));
    }
    let expr = input.parse::<Expr>()?;
    Ok(Body {
        capture,
        param,
        param_ty,
        expr,
        implicit,
    })
}

/// Parses `IDENT`, `mut IDENT` or `_`.
fn parse_param(input: ParseStream<'_>, expected: &str) -> syn::Result<Param> {
    if input.peek(Token![_]) {
        return Ok(Param::Wild(input.parse()?));
    }
    let mutability: Option<Token![mut]> = input.parse()?;
    if input.peek(Ident) {
        return Ok(Param::Name(mutability, input.parse()?));
    }
    Err(input.error(format!("expected {expected}")))
}

/// Parses one `except* ...` arm of `task_group!`. Mistakes that leave the arm's
/// meaning clear (a missing `*`, a guard, a tuple of types) are recorded and the
/// arm is kept; others fail the arm.
fn parse_group_arm(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<ExceptArm> {
    let except: Ident = input.parse()?;
    let mut head = except.to_token_stream();
    if input.peek(Token![*]) {
        input.parse::<Token![*]>()?.to_tokens(&mut head);
    } else {
        errors.push(syn::Error::new(
            except.span(),
            "`except` needs a `*`: write `except* TYPE`, as in Python's `except*`",
        ));
    }
    let catch = parse_catch(input, &except, errors)?;
    match parse_arm_rest(input, errors) {
        Ok((binding, body)) => Ok(ExceptArm {
            catch,
            binding,
            body,
            head,
            skip: false,
        }),
        Err(error) => {
            // The types are known: keep them in the expansion (so their imports
            // stay used) with a placeholder value.
            errors.push(error);
            skip_to_except(input);
            Ok(ExceptArm {
                catch,
                binding: None,
                body: placeholder(except.span()),
                head,
                skip: false,
            })
        }
    }
}

/// Parses `(as BINDING)? (if GUARD)? => EXPR ,?`; a guard is reported and ignored.
fn parse_arm_rest(
    input: ParseStream<'_>,
    errors: &mut Errors,
) -> syn::Result<(Option<Param>, Expr)> {
    let binding = if input.peek(Token![as]) {
        input.parse::<Token![as]>()?;
        Some(parse_param(
            input,
            "a name for the arm's error group after `as`, such as `eg`",
        )?)
    } else {
        None
    };
    let mut guard = None;
    if input.peek(Token![if]) {
        let if_token: Token![if] = input.parse()?;
        let condition: Expr = input.parse()?;
        errors.push(guard_error(quote::quote!(#if_token #condition)));
        guard = Some(condition);
    }
    if input.peek(Token![:]) {
        return Err(input.error("expected `=>` before the arm's value, found `:`"));
    }
    input.parse::<Token![=>]>()?;
    let mut body = parse_arm_body(input, errors)?;
    if let Some(guard) = guard {
        body = keep_guard(guard, body);
    }
    Ok((binding, body))
}

fn guard_error(guard: TokenStream) -> syn::Error {
    syn::Error::new_spanned(
        guard,
        "except* arms cannot have guards; test the errors inside the arm \
         and re-raise what you do not handle with `eg.reraise()?`",
    )
}

/// Keeps a refused guard (already reported) in the arm as dead code, so that
/// it is still type-checked and the names it uses do not become "unused".
fn keep_guard(guard: Expr, body: Expr) -> Expr {
    syn::parse2(quote::quote!({ if false && (#guard) {} #body })).unwrap_or(body)
}

/// A value that stands for code that had an error (already reported): it has
/// any type, so the best-effort expansion adds no type errors.
pub(crate) fn placeholder(span: Span) -> Expr {
    Expr::Verbatim(quote::quote_spanned!(span=> ::core::unreachable!()))
}

/// Parses the arm's value and the `,` after it (optional after a block, as in
/// `match`). A missing `,` is reported and the arm kept.
fn parse_arm_body(input: ParseStream<'_>, errors: &mut Errors) -> syn::Result<Expr> {
    if input.is_empty() || at_except(input) || input.peek(Token![,]) {
        return Err(input.error("expected the arm's value after `=>`"));
    }
    let body: Expr = input.parse()?;
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() && !is_block_like(&body) {
        errors.push(input.error("expected `,` after the arm's value"));
    }
    Ok(body)
}

/// Whether an expression ends with a block, so that no `,` is needed after it.
fn is_block_like(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Block(_)
            | Expr::If(_)
            | Expr::Match(_)
            | Expr::While(_)
            | Expr::Loop(_)
            | Expr::ForLoop(_)
            | Expr::Unsafe(_)
            | Expr::Const(_)
            | Expr::TryBlock(_)
    )
}

/// Parses what follows `except*`: `_`, or `TYPE (| TYPE)*`.
fn parse_catch(input: ParseStream<'_>, except: &Ident, errors: &mut Errors) -> syn::Result<Catch> {
    if input.peek(Token![_]) && !input.peek2(Token![::]) {
        input.parse::<Token![_]>()?;
        if input.peek(Token![|]) {
            return Err(input.error(
                "the catch-all `except* _` takes every error; it cannot be combined with types",
            ));
        }
        return Ok(Catch::All);
    }
    if input.is_empty()
        || input.peek(Token![as])
        || input.peek(Token![=>])
        || input.peek(Token![if])
    {
        errors.push(syn::Error::new(
            except.span(),
            "expected an error type after `except*`, such as `except* io::Error`, \
             or `except* _` to catch everything",
        ));
        return Ok(Catch::Types(Vec::new()));
    }
    let mut types = Vec::new();
    loop {
        if input.peek(Token![_]) {
            return Err(input.error("the catch-all `_` must be alone: `except* _`"));
        }
        let ty: Type = input.parse()?;
        push_catch_type(ty, &mut types, errors);
        if input.peek(Token![|]) && !input.peek(Token![||]) {
            input.parse::<Token![|]>()?;
        } else {
            break;
        }
    }
    Ok(Catch::Types(types))
}

/// Adds a caught type, unwrapping parentheses and refusing (but still using,
/// for the best-effort expansion) a Python-style tuple of types.
fn push_catch_type(ty: Type, types: &mut Vec<Type>, errors: &mut Errors) {
    match ty {
        Type::Paren(paren) => push_catch_type(*paren.elem, types, errors),
        Type::Group(group) => push_catch_type(*group.elem, types, errors),
        Type::Tuple(tuple) => {
            let message = if tuple.elems.is_empty() {
                "expected an error type after `except*`, found `()`".to_owned()
            } else {
                let alternatives: Vec<String> = tuple.elems.iter().map(display).collect();
                format!(
                    "to catch several types, separate them with `|`: `except* {}`",
                    alternatives.join(" | ")
                )
            };
            errors.push(syn::Error::new_spanned(&tuple, message));
            types.extend(tuple.elems);
        }
        ty => types.push(ty),
    }
}

/// Takes an `#[except_star] match` apart into `Ok` arms and except* arms.
/// Arms that are not of a form the DSL knows are reported and left out.
pub(crate) fn except_match(expr: ExprMatch, errors: &mut Errors) -> ExceptMatch {
    let ExprMatch {
        attrs,
        match_token,
        expr: scrutinee,
        brace_token,
        arms: source_arms,
    } = expr;
    let mut ok_arms = Vec::new();
    let mut arms = Vec::new();
    for arm in source_arms {
        if is_ok_arm(&arm) {
            ok_arms.push(arm);
            continue;
        }
        arms.push(match_arm(arm, errors));
    }
    ExceptMatch {
        attrs,
        match_token,
        brace_token,
        scrutinee: *scrutinee,
        ok_arms,
        arms,
    }
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

fn is_variant_path(path: &Path, name: &str) -> bool {
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

/// Converts one non-`Ok` arm of an `#[except_star] match`.
fn match_arm(arm: Arm, errors: &mut Errors) -> ExceptArm {
    let Arm {
        attrs,
        pat,
        guard,
        body,
        ..
    } = arm;
    if let Some(attr) = attrs.first() {
        errors.push(syn::Error::new_spanned(
            attr,
            "attributes are not supported on except* arms",
        ));
    }
    let mut body = *body;
    if let Some((if_token, guard)) = guard {
        errors.push(guard_error(quote::quote!(#if_token #guard)));
        body = keep_guard(*guard, body);
    }
    let head = pat.to_token_stream();
    match match_pattern(&pat) {
        Ok((catch, binding)) => ExceptArm {
            catch,
            binding,
            body,
            head,
            skip: false,
        },
        Err(error) => {
            // Keep the types the pattern names, if any (so their imports stay
            // used), with a placeholder value.
            errors.push(error);
            ExceptArm {
                catch: Catch::Types(pattern_types(&pat)),
                binding: None,
                body: placeholder(pat.span()),
                head,
                skip: false,
            }
        }
    }
}

/// The types a malformed arm pattern names, for the best-effort expansion.
fn pattern_types(pat: &Pat) -> Vec<Type> {
    match pat {
        Pat::TupleStruct(tuple)
            if tuple.qself.is_none() && !is_variant_path(&tuple.path, "Err") =>
        {
            vec![Type::Path(syn::TypePath {
                qself: None,
                path: tuple.path.clone(),
            })]
        }
        Pat::Or(or) => or.cases.iter().flat_map(pattern_types).collect(),
        Pat::Paren(paren) => pattern_types(&paren.pat),
        _ => Vec::new(),
    }
}

/// The message for any arm pattern the DSL does not know.
const ARM_PATTERN: &str = "an `#[except_star] match` arm is `Ok(..)`, `Type(eg)`, \
                           `A(eg) | B(eg)`, or a catch-all `eg` (or `_`) last";

/// Reads `Type(binding)`, `A(b) | B(b)`, `binding` or `_`.
fn match_pattern(pat: &Pat) -> syn::Result<(Catch, Option<Param>)> {
    match pat {
        Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => Ok((
            Catch::All,
            Some(Param::Name(ident.mutability, ident.ident.clone())),
        )),
        Pat::Wild(_) => Ok((Catch::All, None)),
        Pat::Paren(paren) => match_pattern(&paren.pat),
        Pat::TupleStruct(_) => {
            let (ty, binding) = typed_case(pat)?;
            Ok((Catch::Types(vec![ty]), binding))
        }
        Pat::Or(or) => {
            let mut types = Vec::new();
            let mut first: Option<Option<Param>> = None;
            for case in &or.cases {
                let (ty, binding) = typed_case(case)?;
                types.push(ty);
                match &first {
                    None => first = Some(binding),
                    Some(expected) if !same_binding(expected, &binding) => {
                        return Err(syn::Error::new_spanned(
                            case,
                            "every alternative of an except* arm must bind the same name: \
                             `A(eg) | B(eg)`",
                        ));
                    }
                    Some(_) => {}
                }
            }
            Ok((Catch::Types(types), first.flatten()))
        }
        _ => Err(syn::Error::new_spanned(pat, ARM_PATTERN)),
    }
}

fn same_binding(a: &Option<Param>, b: &Option<Param>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Param::Name(_, a)), Some(Param::Name(_, b))) => a == b,
        _ => false,
    }
}

/// Reads one `Type(binding)` alternative.
fn typed_case(pat: &Pat) -> syn::Result<(Type, Option<Param>)> {
    let Pat::TupleStruct(tuple) = pat else {
        return Err(syn::Error::new_spanned(pat, ARM_PATTERN));
    };
    if is_variant_path(&tuple.path, "Err") {
        return Err(syn::Error::new_spanned(
            &tuple.path,
            "`Err(..)` arms do not exist in an `#[except_star] match`; \
             write one arm per error type, `Type(eg) => ..`, or a catch-all `eg => ..`",
        ));
    }
    if tuple.qself.is_some() {
        return Err(syn::Error::new_spanned(pat, ARM_PATTERN));
    }
    let binding = match tuple.elems.iter().collect::<Vec<_>>().as_slice() {
        [Pat::Ident(ident)] if ident.by_ref.is_none() && ident.subpat.is_none() => {
            Some(Param::Name(ident.mutability, ident.ident.clone()))
        }
        [Pat::Wild(_)] => None,
        _ => {
            let message = format!(
                "expected one name for the arm's error group: `{}(eg)`",
                display(&tuple.path)
            );
            return Err(if tuple.elems.is_empty() {
                syn::Error::new(tuple.paren_token.span.join(), message)
            } else {
                syn::Error::new_spanned(&tuple.elems, message)
            });
        }
    };
    let ty = Type::Path(syn::TypePath {
        qself: None,
        path: tuple.path.clone(),
    });
    Ok((ty, binding))
}

impl Parse for AttrArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let mut krate = None;
        while !input.is_empty() {
            let key = match input.call(Ident::parse_any) {
                Ok(key) => key,
                Err(_) => {
                    errors.push(input.error("expected `crate = \"path\"`"));
                    break;
                }
            };
            if key != "crate" {
                errors.push(syn::Error::new(
                    key.span(),
                    format!("unknown option `{key}`; expected `crate = \"path\"`"),
                ));
                skip_past_comma(input);
                continue;
            }
            if input.parse::<Token![=]>().is_err() {
                errors.push(syn::Error::new(key.span(), "expected `crate = \"path\"`"));
                skip_past_comma(input);
                continue;
            }
            match input.parse::<LitStr>() {
                Ok(lit) => match lit.parse::<Path>() {
                    Ok(path) if krate.is_none() => krate = Some(path),
                    Ok(_) => errors.push(syn::Error::new(key.span(), "duplicate option `crate`")),
                    Err(_) => errors.push(syn::Error::new(
                        lit.span(),
                        format!(
                            "`crate` must be a path to the taskgroup crate, such as \
                             \"taskgroup\" or \"::my_crate::taskgroup\"; found {:?}",
                            lit.value()
                        ),
                    )),
                },
                Err(_) => {
                    errors.push(input.error(
                        "expected a string literal: `crate = \"path\"`, such as `crate = \"taskgroup\"`",
                    ));
                    skip_past_comma(input);
                    continue;
                }
            }
            if !input.is_empty() && input.parse::<Token![,]>().is_err() {
                errors.push(input.error("expected `,`"));
                break;
            }
        }
        Ok(AttrArgs { krate, errors })
    }
}

fn skip_past_comma(input: ParseStream<'_>) {
    while !input.is_empty() && !input.peek(Token![,]) {
        skip_token(input);
    }
    let _ = input.parse::<Option<Token![,]>>();
}

/// Whether an attribute is an `#[except_star]` marker (any path ending in
/// `except_star`, so `#[taskgroup::except_star]` counts too).
pub(crate) fn is_marker(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "except_star")
}

/// Finds `#[...except_star]` in raw tokens (a macro call's input, which is not
/// parsed as Rust), returning the span of the first one.
pub(crate) fn find_marker_in_tokens(tokens: TokenStream) -> Option<Span> {
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(punct) if punct.as_char() == '#' => {
                if let Some(TokenTree::Group(group)) = iter.peek() {
                    if group.delimiter() == Delimiter::Bracket && tokens_are_marker(group.stream())
                    {
                        return Some(punct.span());
                    }
                }
            }
            TokenTree::Group(group) => {
                if let Some(span) = find_marker_in_tokens(group.stream()) {
                    return Some(span);
                }
            }
            _ => {}
        }
    }
    None
}

/// If `trees[index..]` starts with a marker `# [..except_star..]`, the index
/// just after it.
pub(crate) fn marker_at(trees: &[TokenTree], index: usize) -> Option<usize> {
    match (trees.get(index), trees.get(index + 1)) {
        (Some(TokenTree::Punct(punct)), Some(TokenTree::Group(group)))
            if punct.as_char() == '#'
                && group.delimiter() == Delimiter::Bracket
                && tokens_are_marker(group.stream()) =>
        {
            Some(index + 2)
        }
        _ => None,
    }
}

/// Whether the inside of `#[...]` is a path ending in `except_star`.
fn tokens_are_marker(tokens: TokenStream) -> bool {
    let mut last_ident = None;
    for tt in tokens {
        match tt {
            TokenTree::Ident(ident) => last_ident = Some(ident),
            TokenTree::Punct(punct) if punct.as_char() == ':' => {}
            TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis => break,
            _ => return false,
        }
    }
    last_ident.is_some_and(|ident| ident == "except_star")
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
