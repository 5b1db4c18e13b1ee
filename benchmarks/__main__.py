"""Run every benchmark and print its figures: `make bench` (or `python -m benchmarks`)."""

from benchmarks import bench_country, bench_failure, bench_fetch, bench_nightly, bench_parse

if __name__ == "__main__":
    bench_parse.main()
    bench_fetch.main()
    bench_nightly.main()
    bench_failure.main()
    bench_country.main()
