"""`python -m catalogue` runs the `fedcat` command."""

from catalogue.cli import main

main()
