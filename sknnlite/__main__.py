"""Command line: ``python -m sknnlite demo`` (or ``sknnlite demo``)."""

import argparse
import os


def main(argv=None):
    parser = argparse.ArgumentParser(prog="sknnlite", description="Small Keras networks behind scikit-learn.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the two seed experiments and print their tables")
    demo.add_argument(
        "--part",
        choices=["all", "extrapolation", "tutorial"],
        default="all",
        help="which experiment to run (default: both)",
    )
    demo.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="training rows (default: 24000 for the extrapolation, 250 for the tutorial)",
    )
    demo.add_argument(
        "--plot", metavar="PATH", default=None, help="save figures to this PNG (needs matplotlib)"
    )
    demo.add_argument("--n-jobs", type=int, default=1, help="parallel jobs for the grid search")
    args = parser.parse_args(argv)
    if args.n_samples is not None and args.n_samples < 10:
        parser.error("--n-samples must be at least 10")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ._demo import main as run_demo

    run_demo(part=args.part, n_samples=args.n_samples, plot_path=args.plot, n_jobs=args.n_jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
