#!/usr/bin/env python3
"""The Python side of the export benchmark: the same Funds rows, written by XlsxWriter in
constant_memory mode with the same formats. Rows are parsed first; only the writing is timed.

Usage: export_bench_xlsxwriter.py FUNDS.tsv OUT.xlsx   (prints "secs=... rows=... peak_mb=...")
"""

import resource
import sys
import time
from datetime import date, datetime

import xlsxwriter


def main(src, out):
    rows = []
    with open(src, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            rows.append(
                (
                    date.fromisoformat(p[0]),
                    datetime.strptime(p[1], "%Y-%m-%dT%H:%M:%S.%f"),
                    p[2],
                    int(p[3]),
                    int(p[4]),
                    int(p[5]),
                    p[6],
                    p[7],
                    p[8],
                )
            )
    started = time.perf_counter()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    money = wb.add_format({"num_format": "#,##0.00"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    header = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Funds")
    cols = ["Ledger date", "Time", "Type", "Amount", "Balance before", "Balance after",
            "PSP reference", "Reference", "Sales unit"]
    for c, name in enumerate(cols):
        ws.write_string(0, c, name, header)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), 8)
    for i, r in enumerate(rows, start=1):
        ws.write_datetime(i, 0, datetime(r[0].year, r[0].month, r[0].day), date_fmt)
        ws.write_datetime(i, 1, r[1], datetime_fmt)
        ws.write_string(i, 2, r[2])
        ws.write_number(i, 3, r[3] / 100.0, money)
        ws.write_number(i, 4, r[4] / 100.0, money)
        ws.write_number(i, 5, r[5] / 100.0, money)
        ws.write_string(i, 6, r[6])
        ws.write_string(i, 7, r[7])
        ws.write_string(i, 8, r[8])
    wb.close()
    secs = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"secs={secs:.3f} rows={len(rows)} peak_mb={peak:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
