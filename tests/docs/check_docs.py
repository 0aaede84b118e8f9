#!/usr/bin/env python3
"""Checks the tables in docs/ that repeat facts kept in code, so they cannot
drift: the RocksDB key tags (ledger/codec.cc), the HTTP routes
(services/http_routes.cc), the metric names (services/*.cc) and the
access policy (services/authorizer.h). Prints each difference and exits 1
if there is any.

Usage: check_docs.py [SOURCE_DIR]
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                    pathlib.Path(__file__).resolve().parents[2])
problems = []


def read(relative):
    return (ROOT / relative).read_text(encoding="utf-8")


def table_rows(markdown, first_header):
    """The body rows of the table whose header row starts with
    `| first_header |`, as lists of stripped cells."""
    rows, inside = [], False
    for line in markdown.splitlines():
        if line.startswith("| " + first_header + " |"):
            inside, rows = True, []
            continue
        if inside:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set(cells[0]) <= set("- "):
                continue
            rows.append(cells)
    if not inside:
        problems.append(f"no table headed '{first_header}' found")
    return rows


def compare(what, documented, in_code):
    for name in sorted(in_code - documented):
        problems.append(f"{what}: {name} is in the code but not in the docs")
    for name in sorted(documented - in_code):
        problems.append(f"{what}: {name} is in the docs but not in the code")


def check_keys():
    code = read("ledger/codec.cc")
    tags = set(re.findall(r"(?:Prefixed|Tagged)\('(.)'", code))
    tags |= set(re.findall(r'Prefix\(\)\s*\{\s*return\s*"(.)";', code))
    documented = set()
    for cells in table_rows(read("docs/architecture.md"), "key"):
        for key in re.findall(r"`([^`]+)`", cells[0]):
            if not key.startswith("!"):
                documented.add(key[0])
    compare("RocksDB key tag", documented, tags)


def check_routes():
    code = read("services/http_routes.cc")
    in_code = {
        (method, path, rpc.replace("timebank.v1.", ""))
        for method, path, rpc in re.findall(
            r'HttpRoute\{\s*"([A-Z]+)",\s*"([^"]+)",\s*"([^"]+)"', code)
    }
    documented = set()
    for cells in table_rows(read("docs/http-api.md"), "method"):
        rpc = cells[2].split(" ")[0]
        documented.add((cells[0], cells[1].strip("`"), rpc))
    compare("HTTP route", documented, in_code)


def check_metrics():
    code = "".join(p.read_text(encoding="utf-8")
                   for p in sorted((ROOT / "services").glob("*.cc")))
    in_code = set(re.findall(r'"((?:timebank|process)_[a-z0-9_]+)"', code))
    documented = set()
    for cells in table_rows(read("docs/operations.md"), "metric"):
        family = ""
        for name in re.findall(r"`([^`]+)`", cells[0]):
            name = name.split("{")[0]
            if name.startswith("_"):
                name = family + name
            else:
                family = name.rsplit("_", 1)[0] if name.count("_") > 1 else name
                if name.startswith("timebank_rocksdb_"):
                    family = "timebank_rocksdb"
            documented.add(name)
    # A histogram's series (_bucket, _sum, _count) are one metric.
    in_code = {n for n in in_code
               if not re.search(r"_(bucket|sum|count)$", n) or n in documented}
    compare("metric", documented, in_code)


def check_policy():
    code = read("services/authorizer.h")
    policy = {}
    for service, rpc, *flags in re.findall(
            r'\{TIMEBANK_RPC\(([A-Za-z]+),\s*([A-Za-z]+)\),\s*(true|false),\s*'
            r'(true|false),\s*(true|false),\s*(true|false)', code):
        policy[f"{service}.{rpc}"] = tuple(flag == "true" for flag in flags)
    if not policy:
        problems.append("policy: no TIMEBANK_RPC rows found in authorizer.h")
        return
    documented = {}
    for cells in table_rows(read("docs/access.md"), "method"):
        allowed = tuple(cell not in ("–", "-", "") for cell in cells[1:5])
        for name in re.sub(r"\([^)]*\)", "", cells[0]).split(","):
            name = name.strip()
            full = [m for m in policy if m == name or m.endswith("." + name)]
            if len(full) != 1:
                problems.append(f"policy: docs row names unknown rpc {name}")
                continue
            documented[full[0]] = allowed
    compare("policy rpc", set(documented), set(policy))
    for method in sorted(set(documented) & set(policy)):
        if documented[method] != policy[method]:
            problems.append(
                f"policy: {method} allows (admin, coordinator, member, "
                f"auditor) = {policy[method]} in the code but "
                f"{documented[method]} in docs/access.md")


for check in (check_keys, check_routes, check_metrics, check_policy):
    check()
for problem in problems:
    print(problem)
print(f"docs tables: {len(problems)} difference(s)")
sys.exit(1 if problems else 0)
