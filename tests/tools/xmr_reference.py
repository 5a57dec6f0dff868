"""XmR charts by statprocon, an independent implementation, for tests/it/evidence.rs.

Reads a JSON list of series from stdin, each {"values": [int, ...], "limit_points": k},
and writes one JSON object per series: statprocon's limits (rounded by it to 3
places), its rules 1 to 3 as per-point booleans, and the exact limits as fractions
(for the "near a line" filter of the test). Exits 3 when statprocon is missing.

statprocon's rule 2 differs from spec section 9.2 when a value equals the central
line: it keeps the run going but marks that value while a run of 8 or more is on, and
its run of exactly 8 marks the last 8 values including it. The spec skips such a
value (neither extends nor breaks the run, never marked). So rule 2 is asked of
statprocon with the values on the line taken out and the central line of the whole
series kept, and those values are reported unmarked: the same rule, in its terms.
"""

import json
import sys
from decimal import Decimal
from fractions import Fraction

try:
    from statprocon import XmR
except ImportError:
    print("statprocon is not installed", file=sys.stderr)
    sys.exit(3)


def chart(values, k):
    xmr = XmR(values, subset_end_index=k)
    cl = xmr.x_central_line()[0]

    class FixedLine(XmR):
        def x_central_line(self):
            return [cl] * len(self.counts)

    exact_cl = Fraction(sum(values[:k]), k)
    off_line = [i for i, x in enumerate(values) if x != exact_cl]
    rule2 = [False] * len(values)
    if len(off_line) >= 2:
        marks = FixedLine([values[i] for i in off_line]).rule_2_runs_about_central_line()
        for i, mark in zip(off_line, marks):
            rule2[i] = mark

    mr = Fraction(sum(abs(values[i] - values[i - 1]) for i in range(1, k)), k - 1)
    exact = {
        "unpl": exact_cl + Fraction(266, 100) * mr,
        "lnpl": exact_cl - Fraction(266, 100) * mr,
        "upper_halfway": exact_cl + Fraction(133, 100) * mr,
        "lower_halfway": exact_cl - Fraction(133, 100) * mr,
        "url": Fraction(3268, 1000) * mr,
        "central_line": exact_cl,
        "mean_moving_range": mr,
    }
    return {
        "central_line": str(cl),
        "mean_moving_range": str(xmr.mr_central_line()[0]),
        "unpl": str(xmr.upper_natural_process_limit()[0]),
        "lnpl": str(xmr.lower_natural_process_limit()[0]),
        "url": str(xmr.upper_range_limit()[0]),
        "exact": {name: [value.numerator, value.denominator] for name, value in exact.items()},
        "rule1": xmr.rule_1_x_indices_beyond_limits(),
        "rule2": rule2,
        "rule3": xmr.rule_3_runs_near_limits(),
    }


def main():
    series = json.load(sys.stdin)
    json.dump([chart(s["values"], s["limit_points"]) for s in series], sys.stdout)


if __name__ == "__main__":
    main()
