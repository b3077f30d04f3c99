"""`python -m crvs_field …` runs the same CLI as the `crvs-field` console script."""

import sys

from crvs_field.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
