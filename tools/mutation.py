"""Mutation testing of the core modules with mutmut, one module at a time; results to docs/testing.md.

Each module is mutated in a scratch copy of the project (build/mutation/<name>/) against the few
test files that check it, one mutant at a time (the machine is shared). Each module's result is
kept in docs/mutation/<name>.json; the section of docs/testing.md between the mutation markers is
rewritten from all of them, and the rest of that file is kept.

    python tools/mutation.py                 # every module
    python tools/mutation.py bylines dates   # some of them
    python tools/mutation.py --recheck ...   # only the last survivors, against today's tests
                                             # (valid while the mutated modules are unchanged)
    python tools/mutation.py --report        # docs/testing.md again from the last results
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "build" / "mutation"
RESULTS = ROOT / "docs" / "mutation"
REPORT = ROOT / "docs" / "testing.md"
START, END = "<!-- mutation:start -->", "<!-- mutation:end -->"
MUTMUT = [sys.executable, "-m", "mutmut"]
SOURCE_PATHS = ["crawler", "storage", "replay", "spiders", "views"]

# mutmut's exit codes of a test run against one mutant.
KILLED = {1, 3}
SURVIVED = {0}
TIMEOUT = {36, 24, -24, 152, 255}
NO_TESTS = {5, 33}


@dataclass(frozen=True)
class Target:
    """A module to mutate, the tests that check it, and optionally the functions that count."""

    name: str
    path: str
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()
    # Functions that run only while the module is imported (to build its constants): mutmut
    # switches a mutant on after the import, so no test can see their mutants.
    import_time: tuple[str, ...] = ()
    # Modules split out of this one, mutated and counted with it.
    split_out: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, *self.split_out)


EDGES = "tests/test_core_edges.py"
MUTANTS = "tests/test_core_mutants.py"
TARGETS = (
    Target("extraction", "crawler/extract.py",
           ("tests/test_extract.py", "tests/test_captions.py", EDGES,
            "tests/test_extract_mutants.py", "tests/test_body_text.py"),
           import_time=("has_class", "compile_xpath", "_trafilatura_options"),
           split_out=("crawler/decoding.py", "crawler/page.py", "crawler/body.py",
                      "crawler/language.py")),
    Target("change model", "storage/changes.py",
           ("tests/test_versioning.py", "tests/test_storage.py", "tests/test_diff.py", EDGES,
            "tests/test_change_words.py", "tests/test_change_paragraphs.py")),
    Target("versions and fingerprints", "storage/records.py",
           ("tests/test_versioning.py", "tests/test_storage.py", EDGES, MUTANTS)),
    Target("canonicalisation", "crawler/canonical.py",
           ("tests/test_canonical.py", EDGES, MUTANTS)),
    Target("dates", "crawler/dates.py", ("tests/test_bylines_dates.py", EDGES)),
    Target("bylines", "crawler/bylines.py", ("tests/test_bylines_dates.py", EDGES, MUTANTS)),
    Target("search normalisation", "storage/text.py",
           ("tests/test_search.py", "tests/test_search_forms.py", "tests/test_kazakh.py", EDGES)),
    Target("WARC export", "views/export.py",
           ("tests/test_commands.py::test_export_warc_keeps_statuses_and_original_headers", EDGES,
            MUTANTS),
           functions=("http_headers", "write_warc", "export_captures")),
)

# Survivors that no test can kill: the mutant behaves as the original does. Key: mutant name.
_CASE = "equivalent: codec names are case-insensitive"
_ROOT = ("equivalent: the outlet's body is read in trafilatura's fast mode, which never reads the "
         "root element's tag: it finds the body by `.//body` and the text by descendant paths "
         "(only readability, not run in fast mode, names `html`)")
_FALSE = ("equivalent: json reads `ensure_ascii` as true or false, and None is false as False "
          "is: the same text comes out")
_TABLE = ("equivalent: a larger table only adds cells that are never read: the scores read "
          "at most row n and column m (the zeros past the end), and the walk back stops at a "
          "zero score, so at row n or column m at the latest")
EQUIVALENT: dict[str, str] = {
    # extraction (crawler/extract.py and the modules split out of it)
    "crawler.decoding.x__candidate_encodings__mutmut_3": _CASE,
    "crawler.decoding.x__candidate_encodings__mutmut_6": _CASE,
    "crawler.decoding.x__candidate_encodings__mutmut_11": _CASE,
    "crawler.decoding.x__candidate_encodings__mutmut_17": _CASE,
    "crawler.decoding.x__candidate_encodings__mutmut_19": _CASE,
    "crawler.decoding.x_decode_html__mutmut_6": "equivalent: UTF-8 is bytes.decode's default",
    "crawler.decoding.x_decode_html__mutmut_9": _CASE,
    "crawler.decoding.x_parse_html__mutmut_30":
        "equivalent: lxml reads `with_tail` for its truth, and None is false as False is",
    "crawler.body.x__scope__mutmut_3": _ROOT,
    "crawler.body.x__scope__mutmut_4": _ROOT,
    # versions and fingerprints (storage/records.py)
    "storage.records.x_content_fingerprint__mutmut_3": _FALSE,
    "storage.records.x_version_columns__mutmut_5": _FALSE,
    # canonicalisation, dates, bylines, search normalisation, WARC export: every mutant is killed.
    # change model, paragraphs
    "storage.changes.x_diff_paragraphs__mutmut_5":
        "equivalent: SequenceMatcher only asks whether `autojunk` is true, and None is false as "
        "False is",
    "storage.changes.x__pair_paragraphs__mutmut_21": _TABLE,
    "storage.changes.x__pair_paragraphs__mutmut_24": _TABLE,
    # change model, words
    "storage.changes.x_diff_words__mutmut_7":
        "equivalent: SequenceMatcher only asks whether `autojunk` is true; None is false, as "
        "False is",
}


def slug(target: Target) -> str:
    return target.name.replace(" ", "-")


def copy_project(where: Path) -> None:
    """The tracked files of the project, as they are in the work tree, in a fresh folder."""
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (where / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, where / name)


def configure(where: Path, target: Target) -> None:
    shutil.copy2(ROOT / "pyproject.toml", where / "pyproject.toml")
    tests = ", ".join(json.dumps(test) for test in target.tests)
    modules = ", ".join(json.dumps(path) for path in target.paths)
    with open(where / "pyproject.toml", "a", encoding="utf-8") as config:
        config.write(
            "\n[tool.mutmut]\n"
            f"source_paths = {json.dumps(SOURCE_PATHS)}\n"
            f"only_mutate = [{modules}]\n"
            f"pytest_add_cli_args_test_selection = [{tests}]\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
        )


def function_of(mutant: str, names: tuple[str, ...]) -> bool:
    """Whether a mutant (`module.x_name__mutmut_3`, `module.xǁClassǁname__mutmut_3`) is in
    one of the named functions."""
    function = mutant.rsplit(".", 1)[-1].split("__mutmut_")[0]
    return any(function == f"x_{name}" or function.endswith(f"ǁ{name}") for name in names)


def counted(target: Target, mutant: str) -> bool:
    if function_of(mutant, target.import_time):
        return False
    return not target.functions or function_of(mutant, target.functions)


def exit_codes(where: Path, target: Target) -> dict[str, int | None]:
    """The last test run's exit code for each counted mutant of the module."""
    codes = {}
    for path in target.paths:
        meta = json.loads((where / "mutants" / f"{path}.meta").read_text(encoding="utf-8"))
        codes.update((name, code) for name, code in meta["exit_code_by_key"].items()
                     if counted(target, name))
    return codes


def run_target(target: Target, recheck: bool = False) -> dict:
    """Mutate the module and run its tests against each mutant; with `recheck`, run today's
    tests against the survivors of the last run only, in the copy made then."""
    where = SCRATCH / slug(target)
    started = time.monotonic()
    if recheck:
        for copy in (where, where / "mutants"):
            shutil.rmtree(copy / "tests")
            shutil.copytree(ROOT / "tests", copy / "tests")
            configure(copy, target)
        (where / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)  # tests changed
        names = [name for name, code in exit_codes(where, target).items() if code in SURVIVED]
    else:
        copy_project(where)
        configure(where, target)
        names = []
    if not recheck or names:
        subprocess.run([*MUTMUT, "run", "--max-children", "1", *names], cwd=where, check=True,
                       stdout=subprocess.DEVNULL)
    codes = exit_codes(where, target)
    survivors = sorted((name for name, code in codes.items() if code in SURVIVED),
                       key=natural)
    return {
        "name": target.name,
        "path": ", ".join(target.paths),
        "tests": list(target.tests),
        "functions": list(target.functions),
        "import_time": list(target.import_time),
        "mutants": len(codes),
        "killed": sum(code in KILLED for code in codes.values()),
        "timeout": sum(code in TIMEOUT for code in codes.values()),
        "no_tests": sum(code in NO_TESTS for code in codes.values()),
        "survivors": {name: show(where, name) for name in survivors},
        "seconds": round(time.monotonic() - started),
    }


def natural(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


@lru_cache(maxsize=4)
def function_bodies(path: Path) -> dict[str, list[str]]:
    """The lines of every function in a file, by name, without the `def` line."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    return {node.name: lines[node.lineno:node.end_lineno]
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def show(where: Path, mutant: str) -> str:
    """The changed lines of a mutant against the original function, read from mutmut's copy."""
    module, function = mutant.rsplit(".", 1)
    bodies = function_bodies(where / "mutants" / (module.replace(".", "/") + ".py"))
    original = bodies[function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"]
    diff = difflib.unified_diff(original, bodies[function], lineterm="", n=1)
    return "\n".join(line for line in diff if not line.startswith(("---", "+++", "@@")))


def share(result: dict) -> float:
    detected = result["killed"] + result["timeout"]
    return 100.0 * detected / result["mutants"] if result["mutants"] else 100.0


def files(result: dict) -> str:
    return ", ".join(f"`{path}`" for path in result["path"].split(", "))


def markdown(results: list[dict]) -> str:
    lines = [START, "", "## Mutation testing (mutmut)", "",
             "Written by `make mutation` (`tools/mutation.py`). A mutant is *killed* when the "
             "listed tests fail against it (a timeout counts as killed); *no tests* are mutants "
             "in code those tests never run. Functions that run only while their module is "
             "imported (they build its constants) are left out: mutmut switches a mutant on "
             "after the import, so no test can see those mutants.", "",
             "| module | file | tests | mutants | killed | no tests | survived | killed share |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for result in results:
        tests = ", ".join(f"`{Path(test).name}`" for test in result["tests"])
        scope = f" ({', '.join(result['functions'])})" if result["functions"] else ""
        if result.get("import_time"):
            scope += f", without {', '.join(result['import_time'])}"
        lines.append(
            f"| {result['name']} | {files(result)}{scope} | {tests} | {result['mutants']} | "
            f"{result['killed'] + result['timeout']} | {result['no_tests']} | "
            f"{len(result['survivors'])} | {share(result):.1f}% |")
    total = sum(r["mutants"] for r in results)
    killed = sum(r["killed"] + r["timeout"] for r in results)
    if total:
        lines += ["", f"All: {killed} of {total} mutants killed ({100.0 * killed / total:.1f}%)."]
    for result in results:
        if not result["survivors"]:
            continue
        lines += ["", f"### Survivors in {result['name']} ({files(result)})", ""]
        for name, diff in result["survivors"].items():
            reason = EQUIVALENT.get(name, "not explained yet")
            lines += [f"- `{name}`: {reason}", "", "  ```diff",
                      *(f"  {line}" for line in diff.splitlines()), "  ```"]
    return "\n".join([*lines, "", END])


def write_report(results: list[dict]) -> None:
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Testing\n"
    section = markdown(results)
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    REPORT.write_text(text, encoding="utf-8")


def result_file(target: Target) -> Path:
    return RESULTS / f"{slug(target)}.json"


def stored_results() -> list[dict]:
    """The last result of every module that has one, in the order of TARGETS."""
    return [json.loads(result_file(t).read_text(encoding="utf-8"))
            for t in TARGETS if result_file(t).exists()]


def main(args: list[str]) -> None:
    recheck = "--recheck" in args
    names = [arg for arg in args if not arg.startswith("--")]
    if "--report" in args:  # only rewrite docs/testing.md from the stored results
        write_report(stored_results())
        return
    by_name = {name: t for t in TARGETS for name in (slug(t), t.name)}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        sys.exit(f"unknown module {', '.join(unknown)}; choose from: "
                 f"{', '.join(slug(t) for t in TARGETS)}")
    chosen = [by_name[name] for name in names] if names else list(TARGETS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for target in chosen:
        if recheck and not (SCRATCH / slug(target) / "mutants").exists():
            print(f"{target.path}: never mutated, nothing to recheck", flush=True)
            continue
        print(f"mutating {', '.join(target.paths)} against {', '.join(target.tests)}", flush=True)
        result = run_target(target, recheck)
        print(f"  {result['mutants']} mutants, {share(result):.1f}% killed, "
              f"{len(result['survivors'])} survived, {result['seconds']} s", flush=True)
        result_file(target).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    write_report(stored_results())


if __name__ == "__main__":
    main(sys.argv[1:])
