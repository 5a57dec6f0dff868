#!/usr/bin/env python3
"""The "no slow shape" benchmark (issue 17, BENCHMARKS.md): inputs of the shapes that
were quadratic or heavy, each run through the release binary under GNU `time`.

    python3 tests/tools/shapes_bench.py gen DIR            # write every input under DIR
    python3 tests/tools/shapes_bench.py run DIR BINARY[,BINARY...] [NAME...]   # a Markdown table

`run` measures each row once per binary (wall and peak RSS from `/usr/bin/time -f "%e
%M"`), with its `cat` floor (reading the same files) in the same minute, and the bytes
the command wrote. A run is stopped after `SHAPES_BENCH_TIMEOUT` seconds (default 120: exit 124). NAME picks rows whose name starts with it. Deterministic: no randomness.
"""
import os, shutil, subprocess, sys, time

# A statement that draws five warnings: direction-word, target-in-result,
# multiple-focus, result-without-measure and isolated-result.
NOISY = "Increase sales by 10% and improve delivery"
QUIET = "Regulars come back every day"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def warnings(root, n, per=100):
    """`n` results over files of `per`, five warnings each (a legacy repository)."""
    for f in range(0, n, per):
        text = "".join(f'result r{r} "{NOISY}"\n' for r in range(f, min(n, f + per)))
        write(f"{root}/f{f // per:05}.strata", text)


def syntax(root, n):
    """One file, a syntax error on every line."""
    write(f"{root}/broken.strata", "".join(f"result {i} x\n" for i in range(n)))


def suppressed(root, n, used):
    """A suppression comment before every result; `used`: it suppresses the result's
    only warning (`result-without-measure`), else a lint that does not fire there."""
    code = "result-without-measure" if used else "weasel-word"
    out = []
    for i in range(n):
        out.append(f"# strata: allow({code})\nresult r{i} \"{QUIET}\"\n")
        if i:
            out.append(f"r{i} -> r{i - 1}\n")
    write(f"{root}/map.strata", "".join(out))


def one_line(root, n):
    """Results and a chain of links, every item on one line."""
    items = [f'result r{i} "{QUIET}"' for i in range(n)]
    items += [f"r{i} -> r{i + 1}" for i in range(n - 1)]
    write(f"{root}/map.strata", " ".join(items) + "\n")


def for_list(root, n):
    """`n` groups, and one result `for` every one of them, on one line."""
    groups = "".join(f'group g{i} "Group {i}"\n' for i in range(n))
    listed = ", ".join(f"g{i}" for i in range(n))
    write(f"{root}/map.strata", groups + f'result r "{QUIET}" {{ for: [{listed}] }}\n')


def loop(root, n):
    """One loop through `n` results, a link a line."""
    out = [f'result r{i} "{QUIET}"\n' for i in range(n)]
    out += [f"r{i} -> r{(i + 1) % n}\n" for i in range(n)]
    write(f"{root}/map.strata", "".join(out))


def chain_statement(root, n):
    """`n` results, and one statement `r0 -> r1 -> … -> r{n-1} -> r0` (a loop)."""
    out = [f'result r{i} "{QUIET}"\n' for i in range(n)]
    out.append(" -> ".join(f"r{i}" for i in range(n)) + " -> r0\n")
    write(f"{root}/map.strata", "".join(out))


def wide_line(root, n):
    """`n` results on one line (about 44 bytes each), each with two warnings."""
    write(f"{root}/map.strata", " ".join(f'result r{i:04} "{QUIET}"' for i in range(n)) + "\n")


def nested(root, n, own_toml):
    """`n` folders of one result each; with `own_toml`, each its own workspace."""
    for d in range(n):
        write(f"{root}/d{d:05}/map.strata", f'result r{d} "{QUIET}"\n')
        if own_toml:
            write(f"{root}/d{d:05}/strata.toml", "[lints]\nmissing-owner = \"warn\"\n")


def vocabulary(root, n, results=100):
    words = ", ".join(f'"word{i}"' for i in range(n))
    write(f"{root}/strata.toml", f"[vocabulary]\nweasel-words = {{ add = [{words}] }}\n")
    write(f"{root}/map.strata", "".join(f'result r{i} "{QUIET}"\n' for i in range(results)))


def inputs():
    """(folder, generator) for every input."""
    out = []
    for n in (1_000, 10_000, 100_000):
        out.append((f"warnings-{n}", lambda r, n=n: warnings(r, n)))
    out.append(("syntax-200000", lambda r: syntax(r, 200_000)))
    for n in (10_000, 100_000):
        out.append((f"suppress-used-{n}", lambda r, n=n: suppressed(r, n, True)))
        out.append((f"suppress-unused-{n}", lambda r, n=n: suppressed(r, n, False)))
    for n in (10_000, 30_000, 100_000):
        out.append((f"one-line-{n}", lambda r, n=n: one_line(r, n)))
    out.append(("for-list-100000", lambda r: for_list(r, 100_000)))
    for n in (5_000, 10_000, 20_000, 40_000):
        out.append((f"loop-{n}", lambda r, n=n: loop(r, n)))
        out.append((f"chain-statement-{n}", lambda r, n=n: chain_statement(r, n)))
    out.append(("wide-line-1000", lambda r: wide_line(r, 1_000)))
    for n in (10_000, 20_000):
        out.append((f"nested-{n}", lambda r, n=n: nested(r, n, True)))
        out.append((f"flat-{n}", lambda r, n=n: nested(r, n, False)))
    out.append(("vocabulary-50000", lambda r: vocabulary(r, 50_000)))
    return out


def rows():
    """(row name, input folder, arguments; `-` reads the one file on stdin)."""
    out = []
    for n in (1_000, 10_000, 100_000):
        for fmt in ("json", "sarif", "short"):
            out.append((f"warnings {n} check {fmt}", f"warnings-{n}", ["check", "--format", fmt]))
    for fmt in ("json", "sarif", "short"):
        out.append((f"syntax 200000 check {fmt}", "syntax-200000", ["check", "--format", fmt]))
    for n in (10_000, 100_000):
        for kind in ("used", "unused"):
            out.append((f"suppress {kind} {n} check", f"suppress-{kind}-{n}", ["check", "--format", "short"]))
            out.append((f"suppress {kind} {n} fmt", f"suppress-{kind}-{n}", ["fmt", "-"]))
    for n in (10_000, 30_000, 100_000):
        out.append((f"one-line {n} fmt", f"one-line-{n}", ["fmt", "-"]))
    out.append(("for-list 100000 fmt", "for-list-100000", ["fmt", "-"]))
    for n in (5_000, 10_000, 20_000, 40_000):
        out.append((f"loop {n} check human", f"loop-{n}", ["check", "--color", "never"]))
    for n in (5_000, 10_000, 20_000, 40_000):
        out.append((f"chain-statement {n} check human", f"chain-statement-{n}", ["check", "--color", "never"]))
    out.append(("wide-line 1000 check human", "wide-line-1000", ["check", "--color", "never"]))
    for n in (10_000, 20_000):
        out.append((f"nested {n} check", f"nested-{n}", ["check", "--format", "short"]))
        out.append((f"flat {n} check", f"flat-{n}", ["check", "--format", "short"]))
    out.append(("vocabulary 50000 check", "vocabulary-50000", ["check", "--format", "short"]))
    return out


def files(folder):
    for base, _, names in sorted(os.walk(folder)):
        for name in sorted(names):
            yield os.path.join(base, name)


def timed(cmd, cwd, stdin_path, out_path):
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    with open(out_path, "wb") as out, open(out_path + ".time", "w") as t:
        limit = os.environ.get("SHAPES_BENCH_TIMEOUT", "120")
        full = ["/usr/bin/time", "-o", out_path + ".time", "-f", "%e %M", "timeout", limit] + cmd
        p = subprocess.run(full, cwd=cwd, stdin=stdin, stdout=out, stderr=out)
    wall, rss = open(out_path + ".time").read().split()[-2:]
    return float(wall), int(rss), os.path.getsize(out_path), p.returncode


def run(root, binaries, picks):
    """One table row per input and command; each binary (comma-separated) run in turn,
    in the same minute as the row's `cat` floor."""
    binaries = [os.path.abspath(b) for b in binaries.split(",")]
    heads = "".join(f" wall {k + 1} | peak RSS {k + 1} |" for k in range(len(binaries)))
    print(f"| row | MB in | cat (floor) |{heads} output | exit |")
    print("|---|---:|---:|" + "---:|---:|" * len(binaries) + "---:|---:|")
    out_path = f"/tmp/shapes_bench.{os.getpid()}.out"
    for name, folder, args in rows():
        if picks and not any(name.startswith(p) for p in picks):
            continue
        where = os.path.join(root, folder)
        paths = list(files(where))
        size = sum(os.path.getsize(p) for p in paths)
        start = time.monotonic()
        for p in paths:
            with open(p, "rb") as f:
                f.read()
        cat = time.monotonic() - start
        stdin = paths[0] if args[-1] == "-" else None
        cells, written, codes = "", [], []
        for binary in binaries:
            wall, rss, size_out, code = timed([binary] + args, where, stdin, out_path)
            if code == 124:
                cells += f" stopped after {wall:.0f} s | |"
            else:
                cells += f" {wall:.2f} s | {rss // 1024:,} MB |"
            written.append(f"{size_out / 1e6:.1f} MB")
            codes.append(str(code))
        print(f"| {name} | {size / 1e6:.1f} | {cat * 1000:.0f} ms |{cells} {' / '.join(dict.fromkeys(written))} "
              f"| {' / '.join(dict.fromkeys(codes))} |", flush=True)


def main():
    if sys.argv[1] == "gen":
        root = sys.argv[2]
        for folder, gen in inputs():
            path = os.path.join(root, folder)
            if os.path.exists(path):
                shutil.rmtree(path)
            gen(path)
    else:
        run(sys.argv[2], sys.argv[3], sys.argv[4:])


if __name__ == "__main__":
    main()
