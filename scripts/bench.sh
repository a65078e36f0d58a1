#!/usr/bin/env bash
# Benchmarks (not tests): each prints its figures and their ratios against a baseline measured in the
# same run. Release builds; takes several minutes on 2 cores.
#   bench_sync   month sync at concurrency 1/2/4/8 with 40 ms latency; 1M-entry ingest; summary/page queries
#   bench_feed   hourly re-sync of a monthly ledger on day 20 at 40 ms: feed vs re-fetching every open date
#   export_bench 1M-entry month to xlsx (time, peak memory) vs Python XlsxWriter on the same Funds rows
#   bench_month_end  month-end for 200 granted ledgers at 40 ms vs the same ledgers one after another
#                (ratio, most requests in flight, peak memory, overview workbook time)
#   bank_bench   a year of camt.053 statements for 200 ledgers (~75,000 lines) imported and matched (time,
#                peak memory, second import adds 0) vs the parser alone and xmllint on the same files
#   sales_bench  a busy shopping-basket month (>100,000 sales entries with lines): sales sync + join +
#                Sales sheet (time, peak memory; goal <= 10 s, <= 300 MB) vs the Sales API client alone
#                fetching and decoding the same dates
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import xlsxwriter' 2>/dev/null || python3 -m pip install --quiet XlsxWriter
cargo build --release --quiet -p avstem-core --examples
echo "== sync and cache =="
cargo run --release --quiet -p avstem-core --example bench_sync -- "$@"
echo "== open dates: feed vs re-fetch =="
cargo run --release --quiet -p avstem-core --example bench_feed
echo "== export =="
cargo run --release --quiet -p avstem-core --example export_bench -- --entries 1000000
echo "== bank statements =="
cargo run --release --quiet -p avstem-core --example bank_bench
echo "== sales (what was sold) =="
cargo run --release --quiet -p avstem-core --example sales_bench
echo "== month-end for an accounting firm =="
cargo run --release --quiet -p avstem-core --example bench_month_end
