#!/usr/bin/env python3
"""Renders `strata diff --format markdown` outputs with a CommonMark parser and checks
that they read as meant: markdown_check.py FILE...

Each file must render as the summary line in bold, then its `<details>` sections (the
HTML passes through), one list item per change or diagnostic line, and no element that
user text could have made: no link, image, emphasis, code block, table or script.
Needs `markdown-it-py` (tests/requirements.txt). Prints one line per problem; exits 1
when there is any.
"""
import sys

try:
    from markdown_it import MarkdownIt
except ImportError:
    print("python package `markdown-it-py` is missing: run scripts/test, which installs it", file=sys.stderr)
    sys.exit(2)


def check(path, text):
    problems = []
    html = MarkdownIt("commonmark").render(text)
    if not html.startswith("<p><strong>strata diff</strong>: "):
        problems.append(f"does not start with the summary line: {html[:80]!r}")
    if html.count("<details>") != text.count("<details>") or html.count("</details>") != text.count("</details>"):
        problems.append("a <details> section did not survive rendering")
    items = sum(1 for line in text.splitlines() if line.startswith("- ") or line.startswith("  - "))
    if html.count("<li>") != items:
        problems.append(f"{html.count('<li>')} list items rendered, {items} written")
    for tag in ["<a ", "<img", "<em>", "<pre>", "<table", "<script", "<h1", "<h2", "<blockquote><p>-"]:
        if tag in html:
            problems.append(f"user text became markup: {tag}")
    strong = html.count("<strong>")
    kinds = sum(1 for line in text.splitlines() if line.startswith("- **"))
    if strong != 1 + kinds:
        problems.append(f"{strong} bold runs: only the summary and each change's kind may be bold")
    return [f"{path}: {p}" for p in problems]


def main():
    bad = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as fh:
            bad.extend(check(path, fh.read()))
    for line in bad:
        print(line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
