"""Allow `python -m liteimages`."""

from liteimages.cli.main import main

main()
