//! Nothing here: this crate exists for its tests, which use `taskgroup` from
//! edition 2024, where a diverging async block's output is inferred as `!`.
