#!/usr/bin/env python3
"""Renders `strata report --format markdown` outputs with a CommonMark parser (tables and
strikethrough on, as GitHub has them) and checks that they read as meant:
report_markdown_check.py FILE...

Each file must render one heading per line starting with `#`, one bold run per `**…**`
pair Strata wrote, and no element that user text could have made: no link, image,
emphasis, code, table, strikethrough or raw HTML. Needs `markdown-it-py`
(tests/requirements.txt). Prints one line per problem; exits 1 when there is any.
"""
import sys

try:
    from markdown_it import MarkdownIt
except ImportError:
    print("python package `markdown-it-py` is missing: run scripts/test, which installs it", file=sys.stderr)
    sys.exit(2)


def check(path, text):
    problems = []
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = md.parse(text)
    html = md.render(text)
    for token in tokens:
        kinds = [token.type] + [child.type for child in (token.children or [])]
        for kind in kinds:
            if kind in ("html_block", "html_inline", "link_open", "image", "em_open", "code_inline",
                        "code_block", "fence", "table_open", "s_open", "blockquote_open", "hr"):
                problems.append(f"user text became markup: {kind}")
    headings = sum(1 for line in text.splitlines() if line.startswith("#"))
    rendered = sum(1 for t in tokens if t.type == "heading_open")
    if headings != rendered:
        problems.append(f"{rendered} headings rendered, {headings} written")
    if html.count("<strong>") * 2 != text.count("**"):
        problems.append(f"{html.count('<strong>')} bold runs rendered, {text.count('**') // 2} written")
    return [f"{path}: {p}" for p in sorted(set(problems))]


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
