#!/usr/bin/env python3
"""Fails when the modules of a Rust crate import each other in a circle.

    python3 tests/module_cycles.py [--graph] CRATE_SRC_DIR...
    python3 tests/module_cycles.py --self-test

For each directory (a crate's `src/`), each of `lib.rs` and `main.rs` is a crate root; the modules
are the files reached through `mod x;` declarations (`x.rs`, `x/mod.rs`, `foo.rs` + `foo/x.rs`).
An inline `mod x { ... }` (tests, helpers) belongs to its file. Module A depends on module B when
A's code names something B defines: a `use crate::…`, `use super::…`, `use self::…` (or a child
module's name) or such a path written out in code, e.g. `crate::state::State::new()`.

How parents and children count:
- Declaring a child (`mod x;`) is not a dependency.
- A re-export (`pub use x::Thing;`, `pub use x::*;`) is not a dependency of the module holding
  it; a path through it is followed to the module that defines `Thing`. So a parent that only
  declares its children and re-exports their items never forms a circle with them.
- Anything else a parent or child names in the other is a dependency like any other: a `mod.rs`
  that defines a helper its children use, and also calls into those children, is a circle.
- A path that names only a module (`use crate::routes;`) is no dependency by itself; paths
  through that name (`routes::runs::list`) are.

What it cannot see: method calls (`state.create_run()`) name no module, so a dependency only
through an inherent method defined in another file (`impl State` there) is invisible. Macros
are not expanded.

Every strongly connected component with more than one module is reported with a shortest circle
through it and every edge inside it (with where each edge comes from); the exit status is 1 if
there is any. `--graph` also prints every edge. Python 3, stdlib only.
"""

import bisect
import os
import re
import sys
from typing import Dict, Iterable, List, Optional, Set, Tuple

Module = Tuple[str, ...]  # a module path from the crate root; () is the root
Token = Tuple[str, int]  # text and line
Edges = Dict[Module, Dict[Module, List[str]]]  # module -> dependency -> where

KEYWORDS_ITEM = {"fn", "struct", "enum", "trait", "type", "const", "static", "union", "mod"}


SPECIAL = re.compile(r"//|/\*|\bb?r#*\"|\bb\"|\"|'")
CHAR = re.compile(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'")


def strip(src: str) -> str:
    """Blanks comments, strings and char literals (keeping newlines), so only code is left."""
    out: List[str] = []
    i, n = 0, len(src)
    while True:
        m = SPECIAL.search(src, i)
        if not m:
            out.append(src[i:])
            break
        out.append(src[i:m.start()])
        start, tok = m.start(), m.group(0)
        if tok == "//":
            end = src.find("\n", start)
            end = n if end < 0 else end
        elif tok == "/*":
            depth, end = 1, start + 2
            while end < n and depth:
                if src.startswith("/*", end):
                    depth, end = depth + 1, end + 2
                elif src.startswith("*/", end):
                    depth, end = depth - 1, end + 2
                else:
                    end += 1
        elif "r" in tok:
            hashes = tok.count("#")
            end = src.find('"' + "#" * hashes, m.end())
            end = n if end < 0 else end + 1 + hashes
        elif tok.endswith('"'):
            end = m.end()
            while end < n and src[end] != '"':
                end += 2 if src[end] == "\\" else 1
            end += 1
        else:
            # A char literal ('x', '\n', '\u{..}'), not a lifetime ('a).
            c = CHAR.match(src, start)
            if not c:
                out.append(tok)
                i = m.end()
                continue
            end = c.end()
        out.append(re.sub(r"[^\n]", " ", src[start:end]))
        i = end
    return "".join(out)


TOKEN = re.compile(r"\$?r#[A-Za-z_]\w*|\$?[A-Za-z_]\w*|::|\S")


def tokens(code: str) -> List[Token]:
    """(text, line) pairs; raw identifiers lose their `r#`."""
    starts = [m.end() for m in re.finditer("\n", code)]
    result: List[Token] = []
    for m in TOKEN.finditer(code):
        text = m.group(0)
        if text.startswith("r#"):
            text = text[2:]
        result.append((text, bisect.bisect_right(starts, m.start()) + 1))
    return result


def is_ident(t: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_]\w*", t))


class Scope:
    """A module as written: a file, or an inline `mod x { … }` inside one."""

    def __init__(self, path: Module, file_module: Module) -> None:
        self.path = path
        self.file_module = file_module  # the file-level module it belongs to
        self.children: Set[str] = set()  # child module names (files and inline)
        self.defined: Set[str] = set()  # item names defined here
        self.reexports: Dict[str, List[str]] = {}  # name -> absolute path
        self.globs: List[List[str]] = []  # absolute paths of `pub use x::*`


class Crate:
    def __init__(self, root_file: str) -> None:
        self.scopes: Dict[Module, Scope] = {}
        self.files: Dict[Module, str] = {}  # file module -> file name
        # `use` trees: (scope, is `pub`, [(segments, alias)], line)
        self.uses: List[Tuple[Module, bool, List[Tuple[List[str], str]], int]] = []
        self.paths: List[Tuple[Module, List[str], int]] = []  # written-out paths
        self._load(root_file, ())

    def _child_file(self, parent_file: str, inline: Module, name: str) -> Optional[str]:
        base = os.path.dirname(parent_file)
        stem = os.path.splitext(os.path.basename(parent_file))[0]
        if stem not in ("lib", "main", "mod"):
            base = os.path.join(base, stem)
        base = os.path.join(base, *inline)
        for cand in (os.path.join(base, name + ".rs"), os.path.join(base, name, "mod.rs")):
            if os.path.exists(cand):
                return cand
        return None

    def _load(self, filename: str, path: Module) -> None:
        with open(filename, encoding="utf-8") as f:
            toks = tokens(strip(f.read()))
        self.files[path] = filename
        self.scopes[path] = Scope(path, path)
        # Scope stack: (module path, brace depth at which it closes).
        stack: List[Tuple[Module, int]] = [(path, -1)]
        depth = 0
        i = 0
        while i < len(toks):
            t = toks[i][0]
            scope = self.scopes[stack[-1][0]]
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if stack[-1][1] == depth:
                    stack.pop()
            elif t == "mod" and i + 2 < len(toks) and is_ident(toks[i + 1][0]):
                name, after = toks[i + 1][0], toks[i + 2][0]
                scope.children.add(name)
                scope.defined.add(name)
                child = scope.path + (name,)
                if after == ";":
                    inline = child[len(path):-1]
                    child_file = self._child_file(filename, inline, name)
                    if child_file:
                        self._load(child_file, child)
                    i += 3
                    continue
                if after == "{":
                    self.scopes[child] = Scope(child, path)
                    stack.append((child, depth))
                    depth += 1
                    i += 3
                    continue
            elif t == "macro_rules" and i + 2 < len(toks) and toks[i + 1][0] == "!":
                scope.defined.add(toks[i + 2][0])
            elif t in KEYWORDS_ITEM and i + 1 < len(toks) and is_ident(toks[i + 1][0]):
                scope.defined.add(toks[i + 1][0])
            elif t == "use":
                is_pub = self._is_pub_before(toks, i)
                j = toks_end = i + 1
                while toks_end < len(toks) and toks[toks_end][0] != ";":
                    toks_end += 1
                items = parse_use_tree([x[0] for x in toks[j:toks_end]])
                self.uses.append((scope.path, is_pub, items, toks[i][1]))
                i = toks_end + 1
                continue
            elif is_ident(t) or t == "::":
                # A written-out path: ident (:: ident)+, not preceded by `::` or `.`.
                if t != "::" and (i == 0 or toks[i - 1][0] not in ("::", ".")):
                    segs = [t]
                    j = i + 1
                    while j + 1 < len(toks) and toks[j][0] == "::" and is_ident(toks[j + 1][0]):
                        segs.append(toks[j + 1][0])
                        j += 2
                    if len(segs) > 1 and not t.startswith("$"):
                        self.paths.append((scope.path, segs, toks[i][1]))
                    i = j
                    continue
            i += 1

    @staticmethod
    def _is_pub_before(toks: List[Token], i: int) -> bool:
        j = i - 1
        if j >= 0 and toks[j][0] == ")":  # pub(crate), pub(super), pub(in …)
            while j >= 0 and toks[j][0] != "(":
                j -= 1
            j -= 1
        return j >= 0 and toks[j][0] == "pub"

    # --- resolution -------------------------------------------------------------------------

    def absolute(
        self, scope_path: Module, segs: List[str], aliases: Dict[str, List[str]]
    ) -> Optional[List[str]]:
        """The absolute path of `segs` written in `scope_path`, or None (std, other crates)."""
        first = segs[0]
        if first == "crate":
            return list(segs[1:])
        if first in ("self", "super"):
            base = list(scope_path)
            k = 0
            while k < len(segs) and segs[k] in ("self", "super"):
                if segs[k] == "super":
                    if not base:
                        return None
                    base.pop()
                k += 1
            return base + list(segs[k:])
        scope = self.scopes.get(tuple(scope_path))
        if scope and first in scope.children:
            return list(scope_path) + list(segs)
        if first in aliases:
            return aliases[first] + list(segs[1:])
        return None

    def resolve(self, segs: List[str], depth: int = 0) -> Optional[Module]:
        """The file module that defines what the absolute path `segs` names (None: a module)."""
        i = len(segs)
        while i > 0 and tuple(segs[:i]) not in self.scopes:
            i -= 1
        module, rest = tuple(segs[:i]), segs[i:]
        if not rest:
            return None
        scope = self.scopes[module]
        name = rest[0]
        if depth < 16:
            if name in scope.reexports:
                return self.resolve(scope.reexports[name] + rest[1:], depth + 1)
            if name not in scope.defined and name != "*":
                for g in scope.globs:
                    target = tuple(g)
                    if target in self.scopes and (
                        name in self.scopes[target].defined or name in self.scopes[target].reexports
                    ):
                        return self.resolve(list(g) + rest, depth + 1)
        return scope.file_module

    def graph(self) -> Edges:
        """{module: {dependency: [where, …]}} over file modules."""
        # Aliases per file (imports are per scope in Rust; per file is close enough here).
        aliases: Dict[Module, Dict[str, List[str]]] = {p: {} for p in self.files}
        pending: List[Tuple[Module, Module, bool, List[str], str, int]] = []
        for scope_path, is_pub, items, line in self.uses:
            file_module = self.scopes[scope_path].file_module
            for segs, alias in items:
                pending.append((scope_path, file_module, is_pub, segs, alias, line))
        # Two rounds so that imports through other imports' names resolve.
        for _ in range(2):
            for scope_path, file_module, is_pub, segs, alias, line in pending:
                absolute = self.absolute(scope_path, segs, aliases[file_module])
                if absolute is None:
                    continue
                scope = self.scopes[scope_path]
                if alias == "*":
                    if is_pub and absolute not in scope.globs:
                        scope.globs.append(absolute)
                    continue
                aliases[file_module][alias] = absolute
                if is_pub:
                    scope.reexports[alias] = absolute
        edges: Edges = {p: {} for p in self.files}

        def add(frm: Module, segs: List[str], line: int) -> None:
            to = self.resolve(segs)
            if to is not None and to != frm:
                edges[frm].setdefault(to, []).append(f"{self.files[frm]}:{line}")

        for scope_path, file_module, is_pub, segs, alias, line in pending:
            absolute = self.absolute(scope_path, segs, aliases[file_module])
            if absolute is None or is_pub:
                continue  # a re-export: followed where it is used
            add(file_module, absolute + (["*"] if alias == "*" else []), line)
        for scope_path, segs, line in self.paths:
            file_module = self.scopes[scope_path].file_module
            absolute = self.absolute(scope_path, segs, aliases[file_module])
            if absolute is not None:
                add(file_module, absolute, line)
        return edges


def parse_use_tree(toks: List[str]) -> List[Tuple[List[str], str]]:
    """`a::b::{c, d::e as f, self, *}` -> [(segments, alias)] with alias `*` for globs."""
    result: List[Tuple[List[str], str]] = []

    def walk(pos: int, prefix: List[str]) -> int:
        segs = list(prefix)
        while pos < len(toks):
            t = toks[pos]
            if t == "{":
                pos += 1
                while pos < len(toks) and toks[pos] != "}":
                    pos = walk(pos, segs)
                    if pos < len(toks) and toks[pos] == ",":
                        pos += 1
                return pos + 1
            if t == "*":
                result.append((segs, "*"))
                return pos + 1
            if t == "::":
                pos += 1
                continue
            if t in (",", "}"):
                break
            if t == "as":
                alias = toks[pos + 1]
                if alias != "_":
                    result.append((segs, alias))
                return pos + 2
            segs = segs + [t]
            pos += 1
        if segs and segs != list(prefix):
            if segs[-1] == "self":
                segs = segs[:-1]
            if segs:
                result.append((segs, segs[-1]))
        return pos

    walk(0, [])
    return result


def sccs(nodes: Iterable[Module], edges: Edges) -> List[List[Module]]:
    """Tarjan's strongly connected components."""
    index: Dict[Module, int] = {}
    low: Dict[Module, int] = {}
    on: Set[Module] = set()
    stack: List[Module] = []
    out: List[List[Module]] = []
    counter = [0]

    def visit(v: Module) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def shortest_loop(comp: List[Module], edges: Edges) -> List[Module]:
    """The shortest circle through the component's modules, as [a, b, …, a]."""
    members = set(comp)
    best: List[Module] = []
    for start in comp:
        # Breadth-first from `start` until an edge leads back to it.
        prev: Dict[Module, Module] = {}
        queue = [start]
        last: Optional[Module] = None
        while queue and last is None:
            nxt: List[Module] = []
            for v in queue:
                if start in edges[v]:
                    last = v
                    break
                for w in sorted(edges[v]):
                    if w in members and w != start and w not in prev:
                        prev[w] = v
                        nxt.append(w)
            queue = nxt
        if last is None:
            continue
        path = [last]
        while path[-1] != start:
            path.append(prev[path[-1]])
        loop = list(reversed(path)) + [start]
        if not best or len(loop) < len(best):
            best = loop
    return best


def module_name(path: Module) -> str:
    return "::".join(path) or "crate"


def check(src_dir: str, show_graph: bool) -> bool:
    failed = False
    for root in ("lib.rs", "main.rs"):
        root_file = os.path.join(src_dir, root)
        if not os.path.exists(root_file):
            continue
        crate = Crate(root_file)
        edges = crate.graph()
        label = f"{src_dir.rstrip('/')}/{root}"
        if show_graph:
            for frm in sorted(edges):
                deps = ", ".join(module_name(t) for t in sorted(edges[frm]))
                print(f"  {module_name(frm)} -> {deps}")
        circles = [c for c in sccs(edges.keys(), edges) if len(c) > 1]
        if not circles:
            print(f"{label}: {len(crate.files)} modules, no import circle")
            continue
        failed = True
        print(f"{label}: {len(circles)} import circle(s)")
        for comp in circles:
            members = set(comp)
            print(f"  circle of {len(comp)}: {', '.join(module_name(m) for m in comp)}")
            loop = shortest_loop(comp, edges)
            print(f"    shortest: {' -> '.join(module_name(m) for m in loop)}")
            for frm in comp:
                for to in sorted(edges[frm]):
                    if to in members:
                        where = edges[frm][to]
                        more = f" (+{len(where) - 1})" if len(where) > 1 else ""
                        print(f"    {module_name(frm)} -> {module_name(to)}  at {where[0]}{more}")
    return failed


SELF_TEST_CRATE = {
    # A parent that declares and re-exports its children, and children that use its helper and
    # each other: no circle.
    "lib.rs": "mod a;\nmod b;\npub use a::Thing;\npub const VERSION: &str = \"1\";\n",
    "a/mod.rs": "mod x;\nmod y;\npub use x::Thing;\npub use y::*;\npub fn helper() {}\n",
    "a/x.rs": "pub struct Thing;\n"
    "fn f() { let _ = \"crate::b::Other\"; super::helper(); let _ = crate::Thing; }\n",
    "a/y.rs": "use crate::a::Thing; // crate::b::Other\npub fn yf() -> Thing { Thing }\n",
    "b.rs": "use crate::{a::yf, VERSION};\npub struct Other;\n"
    "#[cfg(test)]\nmod tests { use super::super::a::helper; }\n",
}


def self_test() -> int:
    """Checks the graph of a small crate, then that one more path makes a circle."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for rel, text in SELF_TEST_CRATE.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
                f.write(text)
        edges = Crate(os.path.join(d, "lib.rs")).graph()
        got = {module_name(k): sorted(module_name(t) for t in v) for k, v in edges.items()}
        want = {"crate": [], "a": [], "a::x": ["a"], "a::y": ["a::x"], "b": ["a", "a::y", "crate"]}
        assert got == want, got
        assert not [c for c in sccs(edges.keys(), edges) if len(c) > 1]
        # The parent now calls into a child that uses the parent's helper: a circle.
        with open(os.path.join(d, "a/mod.rs"), "a", encoding="utf-8") as f:
            f.write("fn g() -> x::Thing { x::Thing }\n")
        edges = Crate(os.path.join(d, "lib.rs")).graph()
        circles = [c for c in sccs(edges.keys(), edges) if len(c) > 1]
        assert circles == [[("a",), ("a", "x")]], circles
        assert shortest_loop(circles[0], edges) == [("a",), ("a", "x"), ("a",)]
    print("module_cycles self-test: ok")
    return 0


def main(argv: List[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    show_graph = "--graph" in argv
    dirs = [a for a in argv if a != "--graph"]
    if not dirs:
        print("\n".join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    failed = False
    for d in dirs:
        failed |= check(d, show_graph)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
