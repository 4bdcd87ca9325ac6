"""`python -m angel_intelligence` is the `angel` command."""

from angel_intelligence.cli import main

main()
