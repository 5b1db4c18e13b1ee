"""Run every benchmark and print its figures: `make bench` (or `python -m benchmarks`)."""

import sys

from benchmarks import (
    bench_country,
    bench_failure,
    bench_fetch,
    bench_nightly,
    bench_parse,
    validate_indices,
)

if __name__ == "__main__":
    bench_parse.main()
    bench_fetch.main()
    bench_nightly.main()
    bench_failure.main()
    bench_country.main()
    # the only benchmark that can fail: a real disagreement with PySAL's indices
    sys.exit(validate_indices.main())
