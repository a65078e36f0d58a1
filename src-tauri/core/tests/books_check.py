"""Read a bookkeeping file Avstem wrote with Python's own readers (xml.etree, csv) and print its
postings as JSON: per voucher the debit and credit in minor units, its accounts and each line's VAT
code, its date (YYYY-MM-DD), the line count and the totals.

usage: books_check.py saft|gbat10|csv-journal|economic FILE
"""

import csv
import json
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal

NS = {"s": "urn:StandardAuditFile-Taxation-Financial:NO"}


def minor(text):
    d = Decimal(text.replace(",", "."))
    return int((d * 100).to_integral_value())


def voucher(date):
    return {"debit": 0, "credit": 0, "lines": 0, "accounts": [], "vats": [], "date": date}


def saft(path):
    root = ET.parse(path).getroot()
    out = {}
    for t in root.iterfind(".//s:GeneralLedgerEntries/s:Journal/s:Transaction", NS):
        vid = t.findtext("s:TransactionID", namespaces=NS)
        v = out.setdefault(vid, voucher(t.findtext("s:TransactionDate", namespaces=NS)))
        for line in t.iterfind("s:Line", NS):
            v["lines"] += 1
            v["accounts"].append(line.findtext("s:AccountID", namespaces=NS))
            v["vats"].append(line.findtext("s:TaxInformation/s:TaxCode", default="", namespaces=NS))
            d = line.findtext("s:DebitAmount/s:Amount", namespaces=NS)
            c = line.findtext("s:CreditAmount/s:Amount", namespaces=NS)
            v["debit"] += minor(d) if d else 0
            v["credit"] += minor(c) if c else 0
    gle = root.find("s:GeneralLedgerEntries", NS)
    declared = {
        "entries": int(gle.findtext("s:NumberOfEntries", namespaces=NS)),
        "debit": minor(gle.findtext("s:TotalDebit", namespaces=NS)),
        "credit": minor(gle.findtext("s:TotalCredit", namespaces=NS)),
        "org": root.findtext("s:Header/s:Company/s:RegistrationNumber", namespaces=NS),
        "currency": root.findtext("s:Header/s:DefaultCurrencyCode", namespaces=NS),
    }
    return out, declared


def gbat10(path):
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter=";"):
            assert len(row) == 30, row
            assert row[0] == "GBAT10", row
            assert len(row[2]) == 8 and row[2].isdigit(), row
            assert row[8] == row[27], row
            v = out.setdefault(row[1], voucher(f"{row[2][:4]}-{row[2][4:6]}-{row[2][6:]}"))
            amount = minor(row[8])
            v["lines"] += 1
            v["accounts"].append(row[6])
            v["vats"].append(row[7])
            v["debit"] += max(amount, 0)
            v["credit"] += max(-amount, 0)
    return out, {}


def csv_journal(path):
    out = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f, delimiter=";")
        header = next(rows)
        assert header == ["Date", "Voucher", "Account", "Debit", "Credit", "Text", "VAT code", "Currency"], header
        for row in rows:
            v = out.setdefault(row[1], voucher(row[0]))
            v["lines"] += 1
            v["accounts"].append(row[2])
            v["vats"].append(row[6])
            v["debit"] += minor(row[3])
            v["credit"] += minor(row[4])
    return out, {}


def economic(path):
    """e-conomic day book file: one heading row, DD-MM-YYYY dates, signed decimal-comma amounts."""
    out = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f, delimiter=";")
        header = next(rows)
        assert header == ["Dato", "Bilag", "Konto", "Tekst", "Beløb", "Modkonto", "Momskode", "Valuta"], header
        for row in rows:
            assert len(row) == 8, row
            day, month, year = row[0].split("-")
            assert len(day) == 2 and len(month) == 2 and len(year) == 4, row
            assert row[2].isdigit() and len(row[2]) <= 9, row
            assert "." not in row[4], row
            v = out.setdefault(row[1], voucher(f"{year}-{month}-{day}"))
            amount = minor(row[4])
            v["lines"] += 1
            v["accounts"].append(row[2])
            v["vats"].append(row[6])
            v["debit"] += max(amount, 0)
            v["credit"] += max(-amount, 0)
    return out, {}


def main():
    kind, path = sys.argv[1], sys.argv[2]
    vouchers, declared = {"saft": saft, "gbat10": gbat10, "csv-journal": csv_journal, "economic": economic}[kind](path)
    print(
        json.dumps(
            {
                "vouchers": vouchers,
                "declared": declared,
                "lines": sum(v["lines"] for v in vouchers.values()),
                "debit": sum(v["debit"] for v in vouchers.values()),
                "credit": sum(v["credit"] for v in vouchers.values()),
            }
        )
    )


main()
