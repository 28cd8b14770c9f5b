#!/usr/bin/env python3
"""Checks the layout rules of a crate's source tree: the files import each other
one way only (no cycle through `crate::`, `super::` or `self::` paths; `mod x;`
declarations are not imports) and no file is over 500 lines.

    python3 taskgroup-macros/scripts/check_layout.py taskgroup-macros/src [more src dirs]

Prints each file's imports and exits non-zero on a cycle or a long file.
"""

import pathlib
import re
import sys

MAX_LINES = 500


def module_path(src, file):
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts.pop()
    return tuple(parts)


def expand_use(tree):
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = tree.strip()
    brace = tree.find("{")
    if brace < 0:
        return [tree]
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rindex("}")]
    items, depth, start = [], 0, 0
    for i, c in enumerate(inner):
        depth += c == "{"
        depth -= c == "}"
        if c == "," and depth == 0:
            items.append(inner[start:i])
            start = i + 1
    items.append(inner[start:])
    return [p for item in items if item.strip() for p in expand_use(prefix + item.strip())]


def references(text):
    text = re.sub(r"//[^\n]*", "", text)
    paths = []
    for tree in re.findall(r"\buse\s+([^;]+);", text):
        paths.extend(expand_use(tree))
    paths.extend(m.group(0) for m in re.finditer(r"\b(?:crate|super|self)(?:::\w+)+", text))
    return [p.split(" as ")[0].strip() for p in paths]


def resolve(path, here, modules):
    parts = path.split("::")
    if parts[0] == "crate":
        base, rest = (), parts[1:]
    elif parts[0] in ("super", "self"):
        base = here
        while parts and parts[0] in ("super", "self"):
            if parts[0] == "super":
                base = base[:-1]
            parts = parts[1:]
        rest = parts
    else:
        return None
    target = base
    for part in rest:
        if target + (part,) in modules:
            target = target + (part,)
        else:
            break
    return target


def main():
    failed = False
    for src in map(pathlib.Path, sys.argv[1:] or ["taskgroup-macros/src"]):
        files = {module_path(src, f): f for f in sorted(src.rglob("*.rs"))}
        graph = {}
        for module, file in files.items():
            text = file.read_text()
            lines = text.count("\n")
            if lines > MAX_LINES:
                print(f"{file}: {lines} lines (over {MAX_LINES})")
                failed = True
            targets = set()
            for path in references(text):
                target = resolve(path, module, files)
                if target is not None and target != module:
                    targets.add(target)
            graph[module] = targets
        for module, targets in sorted(graph.items()):
            names = ", ".join("::".join(t) or "lib" for t in sorted(targets))
            print(f"{'::'.join(module) or 'lib'} -> {names}")
        # Depth-first search for a cycle.
        state = {}

        def visit(node, stack):
            nonlocal failed
            state[node] = "open"
            for target in graph.get(node, ()):
                if state.get(target) == "open":
                    cycle = stack[stack.index(target):] + [target]
                    print("cycle: " + " -> ".join("::".join(m) or "lib" for m in cycle))
                    failed = True
                elif target not in state:
                    visit(target, stack + [target])
            state[node] = "done"

        for module in graph:
            if module not in state:
                visit(module, [module])
    if failed:
        sys.exit(1)
    print("ok: no import cycle, no file over 500 lines")


if __name__ == "__main__":
    main()
