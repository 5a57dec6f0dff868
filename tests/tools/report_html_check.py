#!/usr/bin/env python3
"""Parses HTML reports with Python's own HTML parser and checks that user text stayed
text: report_html_check.py < CASES.json

CASES is a list of {"file": PATH, "results": [TEXT, ...]}: for each file, only the
elements Strata writes may appear (no script, nothing a string could have made), every
`href` is a fragment naming an `id` of the page, and the headings of the result
sections read, in order, exactly TEXT (the statement and `(id)`). Prints a JSON list of
problems; exits 1 when there is any.
"""
import json
import sys
from html.parser import HTMLParser

ALLOWED = set(
    "html head meta title style body header h1 h2 h3 h4 h5 p dl dt dd a nav ol ul li section div "
    "article span strong figure br svg defs marker circle rect text g path line".split()
)


class Report(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = set()
        self.hrefs = []
        self.ids = set()
        self.stack = []
        self.headings = []
        self.in_heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag in ("meta", "br", "line", "rect", "circle", "path"):
            return
        self.stack.append((tag, attrs.get("class", "")))
        if tag == "h4" and len(self.stack) > 1 and self.stack[-2] == ("article", "result"):
            self.in_heading = []

    def handle_endtag(self, tag):
        if tag in ("meta", "br", "line", "rect", "circle", "path"):
            return
        while self.stack:
            top, _ = self.stack.pop()
            if top == tag:
                break
        if tag == "h4" and self.in_heading is not None:
            self.headings.append("".join(self.in_heading))
            self.in_heading = None

    def handle_data(self, data):
        if self.in_heading is not None:
            self.in_heading.append(data)


def main():
    problems = []
    for case in json.load(sys.stdin):
        with open(case["file"], encoding="utf-8") as fh:
            page = Report()
            page.feed(fh.read())
            page.close()
        name = case["file"]
        extra = sorted(page.tags - ALLOWED)
        if extra:
            problems.append(f"{name}: elements Strata does not write: {extra}")
        for href in page.hrefs:
            if not href.startswith("#") or href[1:] not in page.ids:
                problems.append(f"{name}: a link to {href!r} leads nowhere")
        if page.headings != case["results"]:
            problems.append(f"{name}: result headings {page.headings!r}, expected {case['results']!r}")
    print(json.dumps(problems, ensure_ascii=False))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
