"""Entry script of the PyInstaller bundle: the `crvs-field` console script, nothing more.

PyInstaller needs a script file; running `crvs_field/cli/main.py` itself would load the CLI twice (as
`__main__` and as `crvs_field.cli.main`), so this imports it the way the installed console script does.

A bundle has no `python -m`: the demo starts the OpenCRVS emulator as `<sys.executable> -m
opencrvs_emulator …`, which this answers with the bundled emulator (and nothing else).
"""

import sys

if __name__ == "__main__":
    if sys.argv[1:3] == ["-m", "opencrvs_emulator"]:
        from opencrvs_emulator.__main__ import main as opencrvs_emulator

        sys.exit(opencrvs_emulator(sys.argv[3:]))
    from crvs_field.cli.main import main

    sys.exit(main())
