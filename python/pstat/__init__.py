"""The `pstat` command, installed from the pstat-cli wheel.

This package only finds and runs the compiled `pstat` binary; `python -m pstat ARGS` is the
same as `pstat ARGS`. pstat itself has no Python API.
"""

import os
import sys
import sysconfig


def find_pstat_bin() -> str:
    """The path of the `pstat` executable installed with this package."""
    exe = "pstat" + (sysconfig.get_config_var("EXE") or "")
    candidates = [sysconfig.get_path("scripts")]
    # A `pip install --user` puts scripts under the user scheme instead.
    user_scheme = {
        "nt": "nt_user",
        "posix": "osx_framework_user" if sys.platform == "darwin" and sys._framework else "posix_user",
    }.get(os.name)
    if user_scheme:
        try:
            candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
        except KeyError:
            pass
    # Next to the package, for a wheel unpacked into a target directory (pip --target).
    candidates.append(os.path.join(os.path.dirname(os.path.dirname(__file__)), "bin"))
    for directory in candidates:
        path = os.path.join(directory, exe)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        "the pstat executable is not installed next to this package (looked in "
        + ", ".join(candidates)
        + "); reinstall with `pip install pstat-cli`"
    )
