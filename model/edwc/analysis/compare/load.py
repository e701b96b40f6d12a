"""Reading the result folders to compare, and refusing other instances and other result versions."""

from __future__ import annotations

from pathlib import Path

from edwc.errors import InputError, Problem, UnreadableFolder
from edwc.results.tables import RESULT_VERSION, Result, read_result


def load_results(folders: list[Path]) -> list[Result]:
    """Read result folders; refuse (InputError) unreadable ones, other instances, other versions."""
    problems: list[Problem] = []
    results: list[Result] = []
    for folder in folders:
        summary = Path(folder) / "summary.json"
        if not summary.is_file():
            problems.append(Problem(str(folder), "not a result folder (no summary.json)"))
            continue
        try:
            results.append(read_result(folder))
        except UnreadableFolder as e:
            problems.append(Problem(str(folder), str(e).removeprefix(f"{summary}: ").removeprefix(f"{folder}: ")))
    if problems:
        raise InputError(problems, "edwc compare")
    problems += _compatibility(folders, results)
    if problems:
        raise InputError(problems, "edwc compare")
    return results


def _compatibility(folders: list[Path], results: list[Result]) -> list[Problem]:
    problems = []
    base_instance = results[0].summary.get("instance")
    for folder, r in zip(folders, results, strict=True):
        version = r.summary.get("edwc_result_version")
        if version != RESULT_VERSION:
            problems.append(Problem(str(Path(folder) / "summary.json"),
                                    f"written with result format version {version!r}; this edwc reads version "
                                    f"{RESULT_VERSION} (solve it again with this edwc)"))
        if r.summary.get("instance") != base_instance:
            problems.append(Problem(str(Path(folder) / "summary.json"),
                                    f"is a result of instance '{r.summary.get('instance')}', the baseline "
                                    f"{folders[0]} is of instance '{base_instance}'; only results of one instance compare"))
        missing = [t for t in ("capacity", "sites", "serve", "unmet", "kpis") if t not in r.tables]
        if missing:
            problems.append(Problem(str(folder), f"incomplete result folder: missing {', '.join(m + '.csv' for m in missing)}"))
    return problems


def result_labels(folders: list[Path]) -> list[str]:
    """Short unique labels: folder names, with #2, #3 … on repeats."""
    labels: list[str] = []
    for f in folders:
        name = Path(f).resolve().name
        label, n = name, 1
        while label in labels:
            n += 1
            label = f"{name}#{n}"
        labels.append(label)
    return labels
