"""Run the command line: ``python -m transnet``."""

from transnet.cli import main

main()
