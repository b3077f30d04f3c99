"""The `crvs-field` command line: argument parsing and one function per command."""
