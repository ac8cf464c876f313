#!/usr/bin/env python3
"""librec-auto post-processing shim for dropbox-post.

librec-auto runs each post script of a study's config as

    python3 SCRIPT CONFIG_FILE_NAME --NAME=VALUE ... [--password=...]

from the study directory. This script stands where librec-auto's own
dropbox_post.py stood: it finds the dropbox-post binary and replaces itself
with it (os.execv), passing exactly the same arguments, so stdin, stdout,
stderr and the exit code are the binary's.

Where it looks, in order:
  1. $DROPBOX_POST_BIN;
  2. bin/dropbox-post in this script's repository (<this folder>/../bin);
  3. dropbox-post next to this script;
  4. dropbox-post on $PATH.
If DROPBOX_POST_BIN is set, it must name the program: nothing else is tried.
If the program is not found it says where it looked on stderr and exits
with 127.

To use it, put it (or a link to it) where the config's <script src="...">
points: librec-auto's post folder for src="system", or any directory.
Python 3.8+, standard library only. It never prints its arguments: they
hold the key password.
"""
import os
import shutil
import sys

NAME = "dropbox-post.exe" if os.name == "nt" else "dropbox-post"


def candidates():
    """Yield (where, path) pairs in search order."""
    env = os.environ.get("DROPBOX_POST_BIN")
    if env:
        yield "$DROPBOX_POST_BIN", env
        return
    here = os.path.dirname(os.path.realpath(__file__))
    yield "the repository's bin/", os.path.join(os.path.dirname(here), "bin", NAME)
    yield "this script's folder", os.path.join(here, NAME)
    found = shutil.which(NAME)
    yield "$PATH", found or NAME


def executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def main():
    tried = []
    for where, path in candidates():
        if executable(path):
            args = [path] + sys.argv[1:]
            if os.name == "nt":  # execv does not keep the exit code on Windows
                import subprocess
                sys.exit(subprocess.call(args))
            os.execv(path, args)
        tried.append(f"  {where}: {path}")
    sys.stderr.write(
        "dropbox-post.py: cannot find the dropbox-post program. Looked in:\n"
        + "\n".join(tried)
        + "\nBuild it with \"make build\" in the dropbox-post repository, or set "
        "DROPBOX_POST_BIN to its path.\n")
    sys.exit(127)


if __name__ == "__main__":
    main()
