"""The command line, python -m kdviz / kdviz: one module per group of commands."""
