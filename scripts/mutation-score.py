#!/usr/bin/env python3
"""Engine-wide mutation score from the per-file Stryker.NET reports that scripts/mutation.sh leaves in
artifacts/mutation/<name>/mutation-report.json. See docs/testing.md.

    scripts/mutation-score.py                 # table per file and the total, as Markdown
    scripts/mutation-score.py --survivors     # also every survivor and uncovered mutant, file:line, mutator, replacement
    scripts/mutation-score.py a.json b.json   # only these reports
    scripts/mutation-score.py --save docs/mutation-results.json   # also write the merged results, compact, to commit
    scripts/mutation-score.py --spans Survived,NoCoverage          # Stryker --mutate patterns for just those mutants

Stryker's reports live under artifacts/ (not committed; each embeds the whole source). `--save` keeps what they
found in a compact file the repository holds (about 400 KB against 2 MB) (per mutant: position, mutator, replacement, status; per file: a hash of
the source it was made from), read by default beside the reports, so a later session, or a fresh clone, starts from
the files already measured and only re-runs those changed since.

Stryker is run a few files at a time, so one file can appear in several reports. A mutant is named by its file,
position, mutator and replacement; its status is the best any current report gave it (killed, then timeout, then
survived, then no coverage): a kill is a test that tells the mutant apart, whichever run found it. That is what lets
a run filtered to a few test classes (`MUTATION_FILTER`) add the kills a per-test coverage run missed (docs/testing.md,
"Per-test coverage loses whole test classes"). A report only counts for a file if it was made from the file as it
is now: a file whose reports are all older than its last change is listed as stale and left out of the total.
Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it.
"""
import argparse
import difflib
import glob
import hashlib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINE = os.path.join(ROOT, "src", "Reactive")
FOLDERS = ("Operators/", "Aggregation/", "Windows/")
TESTED = {"Killed", "Timeout", "Survived", "NoCoverage"}
# Which status wins when two current reports ran the same mutant: the stronger evidence.
RANK = {"Killed": 3, "Timeout": 2, "Survived": 1, "NoCoverage": 0}
SAVED = os.path.join(ROOT, "docs", "mutation-results.json")


def source_hash(text):
    return hashlib.sha256(text.lstrip("\ufeff").encode("utf-8")).hexdigest()


def entries(data):
    """(file name, source hash, mutants) of one report: Stryker's full form or the compact form --save writes."""
    if data.get("format") == "sluice-mutation-results":
        for name, entry in data["files"].items():
            yield name, entry["sourceSha256"], [
                {"location": {"start": {"line": m["line"], "column": m["column"]}, "end": {"line": m["endLine"], "column": m["endColumn"]}},
                 "mutatorName": m["mutator"], "replacement": m["replacement"], "status": m["status"]}
                for m in entry["mutants"]]
        return
    for path, entry in data["files"].items():
        yield relative(path, data.get("projectRoot", ENGINE)), source_hash(entry["source"]), entry["mutants"]


def relative(path, project_root):
    full = path if os.path.isabs(path) else os.path.join(project_root, path)
    marker = "/src/Reactive/"
    return full.split(marker, 1)[1] if marker in full else os.path.relpath(full, ENGINE)


def mutant_key(m):
    loc = m["location"]
    return (loc["start"]["line"], loc["start"]["column"], loc["end"]["line"], loc["end"]["column"], m["mutatorName"], m.get("replacement", ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="*")
    parser.add_argument("--survivors", action="store_true", help="list each survivor and uncovered mutant")
    parser.add_argument("--save", metavar="FILE", help="write the merged results of current files, compact, to FILE")
    parser.add_argument("--spans", metavar="STATUSES",
                        help="print, per file, a Stryker --mutate pattern limited to the lines of the mutants with these "
                             "statuses (comma-separated, e.g. Survived,NoCoverage); a changed file is printed whole")
    args = parser.parse_args()
    # Stryker 5 writes its report under reports/ in the output folder; older runs' copies sit in the folder itself.
    reports = args.reports or [p for pattern in ("*/mutation-report.json", "*/reports/mutation-report.json")
                               for p in glob.glob(os.path.join(ROOT, "artifacts", "mutation", pattern))]
    if not args.reports and os.path.exists(SAVED):
        reports.append(SAVED)
    if not reports:
        sys.exit("no reports: run scripts/mutation.sh first")

    # file -> mutant key -> (report time, best status, mutant); file -> reports that were stale for it
    merged, stale = {}, {}
    # file -> lines of the current source that are new since a carried-over report (to be run again)
    changed_lines = {}
    for report in sorted(reports, key=os.path.getmtime):
        when = os.path.getmtime(report)
        data = json.load(open(report, encoding="utf-8"))
        for name, made_from, file_mutants in entries(data):
            if not name.startswith(FOLDERS) or not any(m["status"] in TESTED for m in file_mutants):
                continue
            current = os.path.join(ENGINE, name)
            if not os.path.exists(current):
                continue
            if source_hash(open(current, encoding="utf-8-sig").read()) != made_from:
                moved = carried_over(name, made_from, file_mutants)
                if moved is None:
                    stale.setdefault(name, []).append(os.path.relpath(report, ROOT))
                    continue
                file_mutants = moved
                changed_lines[name] = changed_since(name, made_from)
            stale.pop(name, None)
            mutants = merged.setdefault(name, {})
            for m in file_mutants:
                if m["status"] in TESTED:
                    key = mutant_key(m)
                    if key not in mutants or RANK[m["status"]] >= RANK[mutants[key][1]]:
                        mutants[key] = (when, m["status"], m)

    table = sys.stderr if args.spans else sys.stdout
    print("| file | killed | timeout | survived | no coverage | score |", file=table)
    print("|---|---:|---:|---:|---:|---:|", file=table)
    totals = {s: 0 for s in TESTED}
    for name in sorted(merged):
        counts = {s: 0 for s in TESTED}
        for _, status, _ in merged[name].values():
            counts[status] += 1
        for s in TESTED:
            totals[s] += counts[s]
        print(row(f"`{name}`", counts), file=table)
    print(row("**total**", totals), file=table)
    outdated = sorted(set(stale) - set(merged))
    if outdated:
        print("\nchanged since their last report (left out): " + ", ".join(outdated), file=sys.stderr)
    measured = set(merged)
    unmeasured = sorted(
        os.path.relpath(p, ENGINE) for f in FOLDERS for p in glob.glob(os.path.join(ENGINE, f, "**", "*.cs"), recursive=True)
        if os.path.relpath(p, ENGINE) not in measured and os.path.relpath(p, ENGINE) not in stale)
    if unmeasured:
        print("\nnot measured (no current report): " + ", ".join(unmeasured), file=sys.stderr)

    if args.save:
        save(args.save, merged)

    if args.spans:
        print_spans(set(args.spans.split(",")), merged, outdated, changed_lines)
        return

    if args.survivors:
        print()
        for name in sorted(merged):
            for key, (_, status, m) in sorted(merged[name].items()):
                if status in ("Survived", "NoCoverage"):
                    replacement = " ".join(m.get("replacement", "").split())
                    print(f"- {status} `{name}:{key[0]}` {m['mutatorName']}: `{replacement[:100]}`")


def save(path, merged):
    files = {}
    for name in sorted(merged):
        current = open(os.path.join(ENGINE, name), encoding="utf-8-sig").read()
        files[name] = {"sourceSha256": source_hash(current), "mutants": [
            {"line": k[0], "column": k[1], "endLine": k[2], "endColumn": k[3], "mutator": k[4], "replacement": k[5], "status": status}
            for k, (_, status, _) in sorted(merged[name].items())]}
    # One mutant per line, so that a diff of the file reads as the mutants whose status changed.
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"format": "sluice-mutation-results", "files": {\n')
        for i, (name, entry) in enumerate(files.items()):
            out.write(f'{json.dumps(name)}: {{"sourceSha256": "{entry["sourceSha256"]}", "mutants": [\n')
            out.write(",\n".join(json.dumps(m, ensure_ascii=False) for m in entry["mutants"]))
            out.write("\n]}" + ("," if i < len(files) - 1 else "") + "\n")
        out.write("}}\n")


def print_spans(statuses, merged, outdated, changed_lines):
    """One Stryker mutate pattern per file: `Folder/File.cs{start..end}...`. Stryker's spans are character offsets
    into the file (Roslyn's), and it runs a mutant whose span lies inside one; each span here is one listed mutant's
    own (the report's columns are 1-based, the end one past the last character), plus every line changed since a
    carried-over report, whole."""
    for name in sorted(merged):
        chosen = sorted(k[:4] for k, (_, status, _) in merged[name].items() if status in statuses)
        text = open(os.path.join(ENGINE, name), encoding="utf-8-sig").read()
        lines = text.split("\n")
        chosen += [(n, 1, n, len(lines[n - 1]) + 1) for n in changed_lines.get(name, ())]
        if not chosen:
            continue
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        spans = "".join(f"{{{starts[line - 1] + column - 1}..{starts[end_line - 1] + end_column - 1}}}"
                        for line, column, end_line, end_column in sorted(set(chosen)))
        print(name + spans)
    for name in outdated:
        print(name)


def old_source(name, made_from):
    """The file as it was when a report was made: the version in git history with that hash, or None."""
    path = f"src/Reactive/{name}"
    commits = subprocess.run(["git", "-C", ROOT, "log", "--format=%H", "-n", "200", "--", path],
                             capture_output=True, text=True).stdout.split()
    for commit in commits + [c + "~1" for c in commits[:1]]:
        shown = subprocess.run(["git", "-C", ROOT, "show", f"{commit}:{path}"], capture_output=True)
        if shown.returncode == 0:
            text = shown.stdout.decode("utf-8-sig")
            if source_hash(text) == made_from:
                return text
    return None


def line_map(name, made_from):
    """Old line number -> current line number, for the lines a diff leaves unchanged; None without the old source."""
    old = old_source(name, made_from)
    if old is None:
        return None
    current = open(os.path.join(ENGINE, name), encoding="utf-8-sig").read()
    matcher = difflib.SequenceMatcher(None, old.split("\n"), current.split("\n"), autojunk=False)
    mapping = {}
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                mapping[i1 + k + 1] = j1 + k + 1
    return mapping


def carried_over(name, made_from, file_mutants):
    """A report of an earlier version of the file, kept for the mutants whose lines are unchanged (moved to their
    current line numbers, as Stryker's incremental mode does); the mutants on changed lines are dropped, to be run
    again (--spans names those lines). None when the earlier version is not in git history."""
    mapping = line_map(name, made_from)
    if mapping is None:
        return None
    kept = []
    for m in file_mutants:
        start, end = m["location"]["start"], m["location"]["end"]
        lines = range(start["line"], end["line"] + 1)
        if all(n in mapping for n in lines) and mapping[end["line"]] - mapping[start["line"]] == end["line"] - start["line"]:
            moved = dict(m, location={"start": dict(start, line=mapping[start["line"]]), "end": dict(end, line=mapping[end["line"]])})
            kept.append(moved)
    return kept


def changed_since(name, made_from):
    mapping = line_map(name, made_from) or {}
    count = len(open(os.path.join(ENGINE, name), encoding="utf-8-sig").read().split("\n"))
    unchanged = set(mapping.values())
    return [n for n in range(1, count + 1) if n not in unchanged]


def row(label, c):
    detected = c["Killed"] + c["Timeout"]
    valid = detected + c["Survived"] + c["NoCoverage"]
    score = f"{100 * detected / valid:.1f} %" if valid else "—"
    return f"| {label} | {c['Killed']} | {c['Timeout']} | {c['Survived']} | {c['NoCoverage']} | {score} |"


if __name__ == "__main__":
    main()
