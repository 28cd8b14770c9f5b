//! Turning a `syn::ExprMatch` marked `#[except_star]` into an [`ExceptMatch`]:
//! a conversion (the match is already Rust syntax), which reads each arm's
//! pattern as what the arm takes.

use quote::ToTokens;
use syn::{Arm, ExprMatch, Pat, Type};

use crate::ast::{
    display, is_ok_arm, is_variant_path, Catch, ExceptArm, ExceptMatch, Param, VariantPat,
};
use crate::ctxt::Ctxt;

/// The message for any arm pattern the grammar does not know.
const ARM_PATTERN: &str = "an `#[except_star] match` arm is `Ok(..)`, `Type(eg)`, \
                           `A(eg) | B(eg)`, `eg @ Enum::Variant(..)`, \
                           or a catch-all `eg` (or `_`) last";

/// Takes an `#[except_star] match` apart into `Ok` arms and except* arms.
/// Arms whose pattern the grammar does not know are reported and kept
/// without a value.
pub(crate) fn except_match(expr: ExprMatch, cx: &Ctxt) -> ExceptMatch {
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
        } else {
            arms.push(except_arm(arm, cx));
        }
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

/// Converts one non-`Ok` arm.
fn except_arm(arm: Arm, cx: &Ctxt) -> ExceptArm {
    let Arm {
        attrs,
        pat,
        guard,
        body,
        ..
    } = arm;
    if let Some(attr) = attrs.first() {
        cx.error_spanned_by(attr, "attributes are not supported on except* arms");
    }
    let guard = guard.map(|(if_token, guard)| (if_token, *guard));
    let head = pat.to_token_stream();
    match arm_pattern(&pat) {
        Ok((catch, binding)) => ExceptArm {
            catch,
            binding,
            guard,
            body: Some(*body),
            head,
        },
        Err(error) => {
            // Keep the types the pattern names, if any (so their imports stay
            // used), without a value.
            cx.syn_error(error);
            ExceptArm {
                catch: Catch::Types(pattern_types(&pat)),
                binding: None,
                guard,
                body: None,
                head,
            }
        }
    }
}

/// The types a malformed arm pattern names, for the best-effort expansion: a
/// variant pattern without a binding (`JobError::Parse(..)`) names its enum.
fn pattern_types(pat: &Pat) -> Vec<Type> {
    match pat {
        Pat::TupleStruct(tuple) if matches!(tuple.elems.first(), Some(Pat::Rest(_))) => {
            VariantPat::new(pat.clone())
                .and_then(|pattern| pattern.ty)
                .into_iter()
                .collect()
        }
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

/// Reads `Type(binding)`, `A(b) | B(b)`, `binding @ PATTERN`, `binding` or `_`.
fn arm_pattern(pat: &Pat) -> syn::Result<(Catch, Option<Param>)> {
    match pat {
        Pat::Ident(ident) if ident.by_ref.is_none() => {
            let binding = Some(Param::Name(ident.mutability, ident.ident.clone()));
            match &ident.subpat {
                None => Ok((Catch::All, binding)),
                Some((_, subpat)) => Ok((Catch::Patterns(variant_patterns(subpat)?), binding)),
            }
        }
        Pat::Wild(_) => Ok((Catch::All, None)),
        Pat::Paren(paren) => arm_pattern(&paren.pat),
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

/// Reads the patterns after `eg @`: one variant pattern, or several in
/// parentheses separated by `|`.
fn variant_patterns(pat: &Pat) -> syn::Result<Vec<VariantPat>> {
    match pat {
        Pat::Paren(paren) => variant_patterns(&paren.pat),
        Pat::Or(or) => {
            let mut patterns = Vec::new();
            for case in &or.cases {
                patterns.extend(variant_patterns(case)?);
            }
            Ok(patterns)
        }
        Pat::TupleStruct(tuple) if is_variant_path(&tuple.path, "Err") => Err(err_arm(&tuple.path)),
        _ => VariantPat::new(pat.clone())
            .map(|pattern| vec![pattern])
            .ok_or_else(|| {
                syn::Error::new_spanned(
                    pat,
                    "after `eg @`, expected a pattern of an error type's variant, such as \
                 `JobError::Parse(..)`, `JobError::Net { .. }` or `JobError::Timeout`",
                )
            }),
    }
}

fn same_binding(a: &Option<Param>, b: &Option<Param>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Param::Name(_, a)), Some(Param::Name(_, b))) => a == b,
        _ => false,
    }
}

fn err_arm(path: &syn::Path) -> syn::Error {
    syn::Error::new_spanned(
        path,
        "`Err(..)` arms do not exist in an `#[except_star] match`; \
         write one arm per error type, `Type(eg) => ..`, or a catch-all `eg => ..`",
    )
}

/// Reads one `Type(binding)` alternative.
fn typed_case(pat: &Pat) -> syn::Result<(Type, Option<Param>)> {
    let Pat::TupleStruct(tuple) = pat else {
        return Err(syn::Error::new_spanned(pat, ARM_PATTERN));
    };
    if is_variant_path(&tuple.path, "Err") {
        return Err(err_arm(&tuple.path));
    }
    if tuple.qself.is_some() {
        return Err(syn::Error::new_spanned(pat, ARM_PATTERN));
    }
    let binding = match tuple.elems.iter().collect::<Vec<_>>().as_slice() {
        [Pat::Ident(ident)] if ident.by_ref.is_none() && ident.subpat.is_none() => {
            Some(Param::Name(ident.mutability, ident.ident.clone()))
        }
        [Pat::Wild(_)] => None,
        elems => {
            let path = display(&tuple.path);
            let mut message = format!("expected one name for the arm's error group: `{path}(eg)`");
            if matches!(elems, [Pat::Rest(_)]) {
                message.push_str(&format!(
                    "; to take the errors that match the pattern, write `eg @ {path}(..)`"
                ));
            }
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
