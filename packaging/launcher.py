"""Entry script of the PyInstaller bundle: the `crvs-field` console script, nothing more.

PyInstaller needs a script file; running `crvs_field/cli/main.py` itself would load the CLI twice (as
`__main__` and as `crvs_field.cli.main`), so this imports it the way the installed console script does.
"""

import sys

from crvs_field.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
