#!/usr/bin/env python3
"""Recalculate Avstem workbooks with LibreOffice and check every formula against the stored value.

Usage: python3 tests/workbook_check.py FILE.xlsx [FILE.xlsx ...]

Avstem writes each formula together with the value it computed (so viewers that do not
recalculate still show numbers). This script opens a copy of each workbook in headless
LibreOffice with recalculation forced on load (a private user profile whose
registrymodifications.xcu sets Calc's OOXMLRecalcMode to 0 = "always"), saves it back as xlsx,
and compares — cell by cell, with openpyxl — the recalculated value of every formula with the
value Avstem stored. Exit status 0 when all agree, 1 with a listing of the differences, 2 when
the tools are missing or LibreOffice fails.
"""

import os
import shutil
import subprocess
import sys
import tempfile

TOLERANCE = 0.005  # half an øre: amounts are stored with two decimals

RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def soffice_binary():
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def recalculate(files, workdir):
    """Convert every file through LibreOffice (one process); return {original: recalculated path}."""
    profile = os.path.join(workdir, "profile")
    user = os.path.join(profile, "user")
    os.makedirs(user, exist_ok=True)
    with open(os.path.join(user, "registrymodifications.xcu"), "w", encoding="utf-8") as f:
        f.write(RECALC_PROFILE)
    outdir = os.path.join(workdir, "recalculated")
    os.makedirs(outdir, exist_ok=True)
    # Copies with unique names, so two inputs called month.xlsx cannot collide.
    inputs = {}
    for i, path in enumerate(files):
        copy = os.path.join(workdir, f"in{i}_{os.path.basename(path)}")
        shutil.copyfile(path, copy)
        inputs[path] = copy
    cmd = [
        soffice_binary(),
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML",
        "--outdir",
        outdir,
    ] + list(inputs.values())
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    result = {}
    for original, copy in inputs.items():
        out = os.path.join(outdir, os.path.basename(copy))
        if not os.path.exists(out):
            sys.stderr.write(
                f"LibreOffice did not convert {original} (exit {proc.returncode}):\n"
                f"{proc.stdout.decode(errors='replace')}{proc.stderr.decode(errors='replace')}\n"
            )
            sys.exit(2)
        result[original] = out
    return result


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= TOLERANCE
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


def cells(ws):
    """(row, column, value) of every cell, 1-based, in a read-only sheet (which pads with empty cells)."""
    for r, row in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                yield r, c, v


def check(original, recalculated, openpyxl):  # noqa: C901
    """Return (formulas checked, [problem lines])."""
    from openpyxl.utils import get_column_letter

    formulas = openpyxl.load_workbook(original, data_only=False, read_only=True)
    stored = openpyxl.load_workbook(original, data_only=True, read_only=True)
    recalc = openpyxl.load_workbook(recalculated, data_only=True, read_only=True)
    problems = []
    checked = 0
    for name in formulas.sheetnames:
        if name not in recalc.sheetnames:
            problems.append(f"{name}: sheet missing after recalculation")
            continue
        # Only formula cells matter; collect them first, then look their values up.
        wanted = {}
        for (r, c, v) in cells(formulas[name]):
            if isinstance(v, str) and v.startswith("="):
                wanted[(r, c)] = (f"{get_column_letter(c)}{r}", v)
        if not wanted:
            continue
        stored_values = {k: v for (r, c, v) in cells(stored[name]) if (k := (r, c)) in wanted}
        recalc_values = {k: v for (r, c, v) in cells(recalc[name]) if (k := (r, c)) in wanted}
        for key, (coord, formula) in sorted(wanted.items()):
            checked += 1
            s = stored_values.get(key)
            r = recalc_values.get(key)
            if s is None:
                problems.append(f"{name}!{coord} {formula}: no stored value")
            elif not same(s, r):
                problems.append(f"{name}!{coord} {formula}: Avstem stored {s!r}, LibreOffice computes {r!r}")
    return checked, problems


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        sys.stderr.write("openpyxl is not installed (apt install python3-openpyxl, or pip install openpyxl)\n")
        return 2
    if soffice_binary() is None:
        sys.stderr.write("LibreOffice (soffice) is not installed (apt install libreoffice-calc-nogui)\n")
        return 2
    files = argv[1:]
    for f in files:
        if not os.path.isfile(f):
            sys.stderr.write(f"no such file: {f}\n")
            return 2
    failed = False
    with tempfile.TemporaryDirectory(prefix="avstem-recalc-") as workdir:
        recalculated = recalculate(files, workdir)
        for f in files:
            checked, problems = check(f, recalculated[f], openpyxl)
            if problems:
                failed = True
                print(f"FAIL {f}: {len(problems)} of {checked} formulas differ after recalculation")
                for p in problems[:200]:
                    print(f"  {p}")
            elif checked == 0:
                failed = True
                print(f"FAIL {f}: no formulas found (is this an Avstem workbook?)")
            else:
                print(f"OK   {f}: {checked} formulas recalculate to the stored values")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
