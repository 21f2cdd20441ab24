"""The evidence log as text: the verify report and the line that cites a version's evidence."""

from __future__ import annotations

from storage.evidence import Head, Report

PROBLEMS_SHOWN = 20


def head_line(head: Head) -> str:
    """`evidence log: N entries, head N:HASH` (what status prints and a reader notes)."""
    if not head.entries:
        return "evidence log: empty"
    return f"evidence log: {head.entries:,} entries, head {head}"


def verify_text(report: Report, db: str) -> str:
    """The verify report for a person: held or the first failing entry, then the others."""
    checked = report.checked
    lines = [f"verify {db}: {'held' if report.held else 'FAILED'}",
             f"  checked {checked['entries']:,} log entries against {checked['captures']:,} "
             f"captures, {checked['versions']:,} versions ({checked['readings']:,} earlier "
             f"readings) and {checked['events']:,} events",
             f"  {head_line(report.head)}"]
    if report.since and report.held:
        lines.append(f"  the archive extends the earlier head {report.since}: it only grew")
    if not report.held:
        first = report.problems[0]
        count = len(report.problems)
        lines.append(f"  first failing: {first.text()}")
        for problem in report.problems[1:PROBLEMS_SHOWN]:
            lines.append(f"  also: {problem.text()}")
        if count > PROBLEMS_SHOWN:
            lines.append(f"  … and {count - PROBLEMS_SHOWN} more problems")
    return "\n".join(lines)
