"""`python -m pstat ARGS`: runs the installed `pstat` binary with ARGS."""

import os
import subprocess
import sys

from pstat import find_pstat_bin


def main() -> int:
    pstat = find_pstat_bin()
    if sys.platform == "win32":
        return subprocess.call([pstat, *sys.argv[1:]])
    os.execv(pstat, [pstat, *sys.argv[1:]])
    return 1  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main())
