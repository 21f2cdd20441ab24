"""The generic extraction path beside bare trafilatura.extract on trafilatura's public evaluation set.

The corpus is not shipped: fetch the repository adbar/trafilatura (a bare git mirror is enough);
its `tests/evaldata.json` names, for each real page of many sites under `tests/eval/` or
`tests/cache/`, snippets the main text must hold and snippets it must not. A snippet found where
it belongs is a true positive, one missed a false negative; an unwanted snippet found is a false
positive. Precision, recall and F1 are over all snippets of all pages.

Usage: `python bench/bench_extraction.py [--repo PATH] [--limit N]`; the repository is looked for
in $MEDIAWATCH_TRAFILATURA_REPO, then in /work/.mirror/adbar+trafilatura/repo.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import print_result, row  # noqa: E402

DEFAULT_REPOS = ("/work/.mirror/adbar+trafilatura/repo",)
PAGE_FOLDERS = ("tests/eval", "tests/cache")


class CorpusMissing(RuntimeError):
    """The evaluation corpus could not be found."""


def find_repo(given: str | None = None) -> Path:
    candidates = [given, os.environ.get("MEDIAWATCH_TRAFILATURA_REPO"), *DEFAULT_REPOS]
    for candidate in filter(None, candidates):
        if _read(Path(candidate), "tests/evaldata.json") is not None:
            return Path(candidate)
    raise CorpusMissing(
        "the evaluation corpus is missing: fetch the repository adbar/trafilatura (its "
        "tests/evaldata.json and the pages under tests/eval/ and tests/cache/) and give its "
        "path with --repo or MEDIAWATCH_TRAFILATURA_REPO")


def _read(repo: Path, path: str) -> bytes | None:
    """A file of the repository: from its work tree, else from HEAD of a bare mirror."""
    if (repo / path).is_file():
        return (repo / path).read_bytes()
    result = subprocess.run(["git", "--git-dir", str(repo), "show", f"HEAD:{path}"],
                            capture_output=True, check=False)
    if result.returncode != 0 and (repo / ".git").exists():
        result = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"],
                                capture_output=True, check=False)
    return result.stdout if result.returncode == 0 else None


def load_cases(repo: Path, limit: int | None = None) -> list[dict]:
    """Every page of the set with its URL, HTML and wanted and unwanted snippets."""
    expectations = json.loads(_read(repo, "tests/evaldata.json"))
    cases = []
    for url, item in expectations.items():
        html = next((data for folder in PAGE_FOLDERS
                     if (data := _read(repo, f"{folder}/{item['file']}")) is not None), None)
        if html is None:
            continue
        cases.append({"url": url, "html": html, "with": item.get("with", []),
                      "without": item.get("without", [])})
        if limit and len(cases) == limit:
            break
    return cases


def generic_text(html: bytes, url: str) -> str:
    from crawler.extract import ExtractionError, extract_generic

    try:
        return "\n".join(extract_generic(html, url).body)
    except ExtractionError:
        return ""


def trafilatura_text(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def trafilatura_text_without_comments(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False) or ""


def score(cases: list[dict], readers: dict) -> dict[str, dict]:
    """Snippet counts, precision, recall, F1 and the time per page of each extractor. The
    extractors read each page in turn, the order rotating page by page, so that a machine whose
    load changes during the run slows them alike."""
    names = list(readers)
    seconds = dict.fromkeys(names, 0.0)
    texts: dict[str, list[str]] = {name: [] for name in names}
    for index, case in enumerate(cases):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            texts[name].append(readers[name](case["html"], case["url"]))
            seconds[name] += time.perf_counter() - started
    return {name: _counts(cases, texts[name], seconds[name]) for name in names}


def _counts(cases: list[dict], texts: list[str], seconds: float) -> dict:
    counts = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
    for case, text in zip(cases, texts, strict=True):
        flat = " ".join(text.split())
        for snippet in case["with"]:
            counts["tp" if " ".join(snippet.split()) in flat else "fn"] += 1
        for snippet in case["without"]:
            counts["fp" if " ".join(snippet.split()) in flat else "tn"] += 1
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {**counts, "precision": precision, "recall": recall, "f1": f1,
            "ms_per_page": 1000 * seconds / max(1, len(cases))}


def run(repo: str | None = None, limit: int | None = None) -> dict:
    """The extractors over the corpus, side by side; a row saying so when the corpus is missing."""
    try:
        cases = load_cases(find_repo(repo), limit)
    except CorpusMissing as missing:
        return {"name": "extraction", "details": {"corpus": str(missing)},
                "rows": [row("generic extraction F1 on trafilatura's evaluation set",
                             "corpus missing", "-", "-", "> bare trafilatura", False)]}
    trafilatura_text(cases[0]["html"], cases[0]["url"])  # imports and caches out of the timing
    generic_text(cases[0]["html"], cases[0]["url"])
    results = score(cases, {"ours": generic_text, "bare": trafilatura_text,
                            "no_comments": trafilatura_text_without_comments})
    ours, bare, no_comments = results["ours"], results["bare"], results["no_comments"]
    figure = f"generic extraction, {len(cases)} real pages of many sites: F1"
    details = {"pages": len(cases)}
    for name, result in (("generic path (reader comments left out)", ours),
                         ("bare trafilatura.extract (default: comments included)", bare),
                         ("trafilatura.extract(include_comments=False)", no_comments)):
        details[f"{name}: precision / recall / F1"] = (
            f"{result['precision']:.4f} / {result['recall']:.4f} / {result['f1']:.4f}")
        details[f"{name}: ms per page"] = f"{result['ms_per_page']:.1f}"
        details[f"{name}: snippets wanted found / missed, unwanted found"] = (
            f"{result['tp']} / {result['fn']}, {result['fp']}")
    return {
        "name": "extraction", "details": details, "generic": ours, "bare": bare,
        "rows": [row(figure + f" ({ours['ms_per_page']:.1f} ms/page)", f"{ours['f1']:.4f}",
                     f"bare trafilatura.extract: {bare['f1']:.4f} ({bare['ms_per_page']:.1f} "
                     "ms/page)", f"{ours['f1'] - bare['f1']:+.4f}", "> bare trafilatura",
                     ours["f1"] > bare["f1"]),
                 row(f"generic extraction, time per page (the same {len(cases)} pages, in turn)",
                     f"{ours['ms_per_page']:.1f} ms",
                     f"bare trafilatura.extract: {bare['ms_per_page']:.1f} ms",
                     f"{ours['ms_per_page'] / bare['ms_per_page']:.2f}×",
                     "≤ bare trafilatura", ours["ms_per_page"] <= bare["ms_per_page"])],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", help="path of the adbar/trafilatura repository (or mirror)")
    parser.add_argument("--limit", type=int, help="only the first N pages")
    args = parser.parse_args()
    result = run(args.repo, args.limit)
    print_result(result)
    if "generic" not in result:
        sys.exit(2)


if __name__ == "__main__":
    main()
