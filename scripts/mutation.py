"""A small mutation tester: how many one-token bugs in a module do its own tests catch?

Each mutant is one change to the module's syntax tree (a flipped comparison, ``and`` for ``or``,
a deleted statement, a constant off by one, ...). The module's test subset runs against each
mutant in a scratch copy of the project; a mutant is *killed* when the tests fail, and *survives*
when they pass or hang (a hang counts as not killed). Mutants listed in the equivalents file
(changes that cannot alter behaviour) are left out of the score.

Why our own runner rather than mutmut: we want a seeded sample per module with each module's own
test subset, hangs counted as survivors, and stable mutant ids to list equivalents by; mutmut 3
mutates whole packages into a ``mutants/`` tree and runs its own test selection.

    python scripts/mutation.py okta_dbapi/http/pacing.py tests/unit/test_pacing.py --sample 60
"""

from __future__ import annotations

import argparse
import ast
import difflib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.txt"

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


@dataclass(frozen=True)
class Mutant:
    ident: str  # module:line:col:kind, stable while the line stays
    line: int
    description: str
    index: int  # the site's position in a walk of the module's tree
    kind: str


def _is_docstring(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(node)
    if not isinstance(parent, ast.Expr):
        return False
    holder = parents.get(parent)
    # Only a module's, class's or function's first string is a docstring: the first call of an
    # ``if`` body is a statement like any other.
    if not isinstance(holder, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and holder.body[0] is parent


def _is_bool_or_none(node: ast.AST) -> bool:
    """``return None``, ``return True`` and ``return False`` get no "return None" mutant: the first
    is one already, and a flipped constant is the meaningful change of the others (no caller in the
    mutated modules tells None from False)."""
    return isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool))


def _is_falling_off(node: ast.stmt, parent: ast.AST) -> bool:
    """A function's last statement ``return None`` or ``return False``: deleting it is the same
    function (see :func:`_is_bool_or_none`: no caller tells None from False)."""
    return (
        isinstance(node, ast.Return)
        and isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef)
        and parent.body[-1] is node
        and (node.value is None or (_is_bool_or_none(node.value) and node.value.value is not True))  # type: ignore[attr-defined]
    )


def _annotations(tree: ast.Module) -> Iterator[ast.expr]:
    """Annotations, when the module never evaluates them."""
    lazy = any(
        isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations" for a in n.names)
        for n in tree.body
    )
    for node in ast.walk(tree) if lazy else ():
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            yield node.annotation
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            yield node.returns


def _dunder_all(tree: ast.Module) -> Iterator[ast.stmt]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            yield node


def _sites(tree: ast.Module) -> Iterator[tuple[ast.AST, str, str]]:
    """(node, kind, description) for every place a one-token change can be made."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    # Annotations are never evaluated (with ``from __future__ import annotations``) and ``__all__``
    # only matters to ``import *``, which the project never uses: no mutants there.
    skipped = {id(n) for a in [*_annotations(tree), *_dunder_all(tree)] for n in ast.walk(a)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _COMPARE_SWAPS:
                    yield node, f"compare{i}", f"{type(op).__name__} -> {_COMPARE_SWAPS[type(op)].__name__}"
        elif isinstance(node, ast.BoolOp):
            yield node, "boolop", "and <-> or"
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
            yield node, "binop", f"{type(node.op).__name__} -> {_BINOP_SWAPS[type(node.op)].__name__}"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "not", "drop not"
        elif isinstance(node, ast.Constant) and not _is_docstring(node, parents):
            value = node.value
            if isinstance(value, bool):
                yield node, "const", f"{value} -> {not value}"
            elif isinstance(value, int | float):
                yield node, "const", f"{value!r} -> {value + 1!r}"
            elif isinstance(value, str) and value and not isinstance(parents.get(node), ast.JoinedStr):
                yield node, "const", "string -> 'XX'"
        elif isinstance(node, ast.Return) and node.value is not None and not _is_bool_or_none(node.value):
            yield node, "return", "return None"
        if isinstance(node, ast.stmt) and not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom | ast.Pass
        ):
            parent = parents.get(node)
            if (
                parent is not None
                and not (isinstance(node, ast.Expr) and _is_docstring(node.value, parents))
                and not _is_falling_off(node, parent)
            ):
                yield node, "delete", f"delete {type(node).__name__}"


def _apply(node: ast.AST, kind: str) -> ast.AST | None:
    """The replacement for ``node`` (already a deep copy), or None to delete a statement."""
    if kind.startswith("compare"):
        assert isinstance(node, ast.Compare)
        i = int(kind[len("compare") :])
        node.ops[i] = _COMPARE_SWAPS[type(node.ops[i])]()
        return node
    if kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return node
    if kind == "binop":
        assert isinstance(node, ast.BinOp)
        node.op = _BINOP_SWAPS[type(node.op)]()
        return node
    if kind == "not":
        assert isinstance(node, ast.UnaryOp)
        return node.operand
    if kind == "const":
        assert isinstance(node, ast.Constant)
        value = node.value
        if isinstance(value, bool):
            node.value = not value
        elif isinstance(value, int | float):
            node.value = value + 1
        else:
            node.value = "XX"
        return node
    if kind == "return":
        assert isinstance(node, ast.Return)
        node.value = ast.Constant(value=None)
        return node
    return None  # delete


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, kind: str) -> None:
        self.target = target
        self.kind = kind

    def visit(self, node: ast.AST) -> ast.AST | None:
        if node is self.target:
            replacement = _apply(node, self.kind)
            if replacement is None:
                return ast.Pass()
            return replacement
        return super().visit(node)


def mutants(path: Path) -> list[Mutant]:
    """Every mutant of one module (sources are built lazily: see :func:`build`)."""
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT).as_posix()
    found: list[Mutant] = []
    seen: dict[str, int] = {}
    for index, (node, kind, description) in enumerate(_sites(ast.parse(text))):
        line = getattr(node, "lineno", 0)
        ident = f"{rel}:{line}:{getattr(node, 'col_offset', 0)}:{kind}"
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] > 1:  # nested sites that start at the same place (``a and b or c``)
            ident += f"#{seen[ident]}"
        found.append(Mutant(ident, line, description, index, kind))
    return found


def diff(path: Path, mutant: Mutant) -> str:
    """The mutant as a unified diff against the module (both sides unparsed, so only it differs)."""
    before = ast.unparse(ast.parse(path.read_text(encoding="utf-8"))).splitlines(keepends=True)
    after = build(path, mutant).splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, mutant.ident, "mutant", n=2))


def build(path: Path, mutant: Mutant) -> str:
    """The whole module with one mutant applied."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for index, (node, _, _) in enumerate(_sites(tree)):
        if index == mutant.index:
            mutated = _Replace(node, mutant.kind).visit(tree)
            assert mutated is not None  # the module itself is never the target
            return ast.unparse(ast.fix_missing_locations(mutated))
    raise LookupError(mutant.ident)


def load_equivalents() -> dict[str, str]:
    equivalents: dict[str, str] = {}
    if EQUIVALENTS.exists():
        for raw in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                ident, _, reason = line.partition(" ")
                equivalents[ident] = reason.strip()
    return equivalents


def _scratch_copy() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="okta-mutation-"))
    for name in ("okta_dbapi", "okta_sqlalchemy", "tests", "pyproject.toml", "setup.cfg", "README.md", "docs"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, scratch / name)
    return scratch


def _run_tests(scratch: Path, tests: list[str], timeout: float, report: bool = False) -> str:
    """'killed', 'survived' or 'timeout' (a hang counts as not killed); ``report``: print the
    output of a failing run."""
    env = {**os.environ, "PYTHONPATH": str(scratch), "PYTHONDONTWRITEBYTECODE": "1"}
    # pytest-timeout off: a hang must count as a hang (not killed), never as a failing test.
    plugins = ["-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:timeout"]
    command = [sys.executable, "-m", "pytest", "-x", "-q", *plugins, *tests]
    try:
        done = subprocess.run(command, cwd=scratch, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        if report:
            print(f"the tests ran past {timeout:.0f} s", file=sys.stderr)
        return "timeout"
    if report and done.returncode != 0:
        output = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        print(f"pytest exited with {done.returncode}:\n{output[-3000:]}", file=sys.stderr)
    return "survived" if done.returncode == 0 else "killed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("module", help="the module to mutate, e.g. okta_dbapi/http/pacing.py")
    parser.add_argument("tests", nargs="*", help="its test subset (files or node ids)")
    parser.add_argument("--sample", type=int, default=60, help="mutants to sample (0 = all; default 60)")
    parser.add_argument("--seed", type=int, default=1, help="the sampling seed (default 1)")
    parser.add_argument(
        "--timeout", type=float, default=0.0, help="seconds until a mutant counts as a hang (default: 5x the clean run)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--show", metavar="ID", action="append", default=[], help="print a mutant's diff; no run")
    parser.add_argument("--only", metavar="ID", action="append", default=[], help="run only these mutants")
    args = parser.parse_args()

    path = (ROOT / args.module).resolve()
    if args.show:
        by_id = {m.ident: m for m in mutants(path)}
        for ident in args.show:
            print(diff(path, by_id[ident]) if ident in by_id else f"{ident}: no such mutant", end="\n")
        return 0
    if not args.tests:
        parser.error("name the module's tests")
    equivalents = load_equivalents()
    everything = mutants(path)
    known = {m.ident for m in everything}
    prefix = path.relative_to(ROOT).as_posix() + ":"
    stale = [i for i in equivalents if i.startswith(prefix) and i not in known]
    if stale:  # an edit moved the code: the entry no longer names the mutant it was written for
        print(f"{args.module}: equivalents that name no mutant (re-check them with --show): {stale}", file=sys.stderr)
        return 2
    every = [m for m in everything if m.ident not in equivalents and (not args.only or m.ident in args.only)]
    sampled = 0 < args.sample < len(every)
    chosen = random.Random(args.seed).sample(every, args.sample) if sampled else every
    chosen.sort(key=lambda m: (m.line, m.ident))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the scratch copies are removed
    scratches = [_scratch_copy() for _ in range(max(1, args.jobs))]
    try:
        started = time.monotonic()
        if _run_tests(scratches[0], args.tests, args.timeout or 600.0, report=True) != "survived":
            print(f"{args.module}: the tests fail without any mutant; fix them first", file=sys.stderr)
            return 2
        timeout = args.timeout or max(30.0, 5 * (time.monotonic() - started))
        relative = path.relative_to(ROOT)
        original = path.read_text(encoding="utf-8")

        def run(job: tuple[int, Mutant], timeout: float) -> tuple[Mutant, str]:
            slot, mutant = job
            target = scratches[slot] / relative
            target.write_text(build(path, mutant), encoding="utf-8")
            try:
                outcome = _run_tests(scratches[slot], args.tests, timeout)
                print(f"  {outcome:8} {mutant.ident}  {mutant.description}", file=sys.stderr, flush=True)
                return mutant, outcome
            finally:
                target.write_text(original, encoding="utf-8")

        def run_all(batch: list[Mutant], timeout: float) -> list[tuple[Mutant, str]]:
            # Each worker owns one scratch copy: mutants of one slot run one after another.
            slots: dict[int, list[tuple[int, Mutant]]] = {}
            for i, mutant in enumerate(batch):
                slots.setdefault(i % len(scratches), []).append((i % len(scratches), mutant))
            with ThreadPoolExecutor(max_workers=len(scratches)) as pool:
                runs = pool.map(lambda jobs: [run(j, timeout) for j in jobs], slots.values())
                return [outcome for ran in runs for outcome in ran]

        outcomes = dict(run_all(chosen, timeout))
        # The machine may be shared and loaded: a hang must be a real one. Each timed-out mutant
        # runs again with twice the time; only a second timeout counts.
        hung = [m for m, outcome in outcomes.items() if outcome == "timeout"]
        if hung:
            print(f"  rerunning {len(hung)} timed-out mutants with {2 * timeout:.0f} s each", file=sys.stderr)
            outcomes.update(run_all(hung, 2 * timeout))
    finally:
        for scratch in scratches:
            shutil.rmtree(scratch, ignore_errors=True)

    killed = sum(1 for outcome in outcomes.values() if outcome == "killed")
    total = len(outcomes)
    score = 100.0 * killed / total if total else 100.0
    listed = sum(i.startswith(prefix) for i in equivalents)
    print(f"{args.module}: {killed}/{total} killed = {score:.0f}% ({listed} equivalents of it listed)")
    for mutant, outcome in sorted(outcomes.items(), key=lambda o: (o[0].line, o[0].ident)):
        if outcome != "killed":
            print(f"  {outcome:8} {mutant.ident}  {mutant.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
