#!/usr/bin/env python3
"""The shape rules of issue 11, checked: no product Rust file over 900 lines, no function over 150.

Product code is every .rs under src-tauri/ except integration tests (tests/ folders); unit-test
modules inside a file count toward the file's length but their functions are not measured.
Function length is the span from the `fn` line to its closing brace, found by brace matching on
source with strings, chars and comments blanked out. Exit 1 with the offenders listed."""
import pathlib, re, sys

MAX_FILE, MAX_FN = 900, 150
ROOT = pathlib.Path(__file__).resolve().parent.parent


def blank(src: str) -> str:
    """Replace the insides of comments and string/char literals with spaces (newlines kept)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j])); i = j
        elif c == "r" and re.match(r'r#*"', src[i:i + 10]) and (i == 0 or not (src[i-1].isalnum() or src[i-1] == "_")):
            m = re.match(r'r(#*)"', src[i:])
            end = '"' + m.group(1)
            j = src.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", src[i:j])); i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", src[i:j + 1])); i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x[0-9a-fA-F]{2}'", src[i:i + 12]):
            m = re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x[0-9a-fA-F]{2}'", src[i:i + 12])
            out.append(" " * len(m.group(0))); i += len(m.group(0))
        else:
            out.append(c); i += 1
    return "".join(out)


def functions(path: pathlib.Path):
    text = blank(path.read_text())
    lines = text.split("\n")
    test_from = next((k for k, l in enumerate(lines) if re.match(r"\s*#\[cfg\(test\)\]", l)), len(lines))
    fn_re = re.compile(r"\bfn\s+(\w+)")
    for k, line in enumerate(lines[:test_from]):
        m = fn_re.search(line)
        if not m:
            continue
        # find the opening brace of the body (or a `;` for a declaration)
        depth, start = 0, None
        pos = sum(len(l) + 1 for l in lines[:k]) + m.end()
        while pos < len(text):
            ch = text[pos]
            if ch == ";" and start is None and depth == 0:
                break
            if ch in "([<" and start is None:
                depth += 1
            elif ch in ")]>" and start is None:
                depth = max(0, depth - 1)
            elif ch == "{":
                if start is None:
                    start, depth = pos, 1
                else:
                    depth += 1
            elif ch == "}" and start is not None:
                depth -= 1
                if depth == 0:
                    end_line = text.count("\n", 0, pos)
                    yield m.group(1), k + 1, end_line - k + 1
                    break
            pos += 1


def main() -> int:
    bad = []
    for p in sorted((ROOT / "src-tauri").rglob("*.rs")):
        rel = p.relative_to(ROOT)
        if "target" in rel.parts or "tests" in rel.parts:
            continue
        n = p.read_text().count("\n")
        if n > MAX_FILE:
            bad.append(f"{rel}: {n} lines (max {MAX_FILE})")
        for name, line, length in functions(p):
            if length > MAX_FN:
                bad.append(f"{rel}:{line}: fn {name} is {length} lines (max {MAX_FN})")
    for b in bad:
        print(b)
    print(f"code shape: {len(bad)} over the limits" if bad else "code shape: every file ≤ 900 lines, every function ≤ 150")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
