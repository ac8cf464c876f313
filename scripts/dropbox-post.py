#!/usr/bin/env python3
"""librec-auto post-processing shim for dropbox-post.

librec-auto runs each post script of a study's config as

    python3 SCRIPT CONFIG_FILE_NAME --NAME=VALUE ... [--password=...]

from the study directory. This script stands where librec-auto's own
dropbox_post.py stood: it finds the dropbox-post binary and replaces itself
with it (os.execve), so stdin, stdout, stderr and the exit code are the
binary's.

The arguments are passed on unchanged but for the password: every
--password=PW is taken out, and the last one (the one that counts) is handed
to the binary through an inherited pipe named by DROPBOX_POST_PASSWORD_FD,
so that it is not on the binary's command line (which any local user can
read in /proc/PID/cmdline for the whole upload). On Windows, where the
binary runs as a child process, it goes in the child's environment instead
(DROPBOX_POST_CALL_PASSWORD). How many there were goes in
DROPBOX_POST_PASSWORD_COUNT: librec-auto passes a password written in the
config as --password=TEXT, and -k's after it, and the binary tells the two
apart (DROPBOX_POST_PASSWORD wins over the config's, not over -k's).
Other password-like params (--key_password=...) are dropped.

Where it looks for the binary, in order:
  1. $DROPBOX_POST_BIN;
  2. the binary that installed this copy ('dropbox-post librec-auto install');
  3. bin/dropbox-post in this script's repository (<this folder>/../bin);
  4. dropbox-post next to this script;
  5. dropbox-post on $PATH.
If DROPBOX_POST_BIN is set, it must name the program: nothing else is tried.
If the program is not found it says where it looked on stderr and exits
with 127.

To use it, run 'dropbox-post librec-auto install' (it copies this script
into librec-auto's post folder, for src="system"), or point the config's
<script src="..."> at this folder. Python 3.8+, standard library only. It
never prints its arguments: they may hold the key password.
"""
import os
import shutil
import sys

# dropbox-post shim: this line marks the file as ours for 'librec-auto install'.
INSTALLED_BIN = None  # set by 'dropbox-post librec-auto install'

NAME = "dropbox-post.exe" if os.name == "nt" else "dropbox-post"
PASSWORD_FD = "DROPBOX_POST_PASSWORD_FD"
CALL_PASSWORD = "DROPBOX_POST_CALL_PASSWORD"
PASSWORD_COUNT = "DROPBOX_POST_PASSWORD_COUNT"


def candidates():
    """Yield (where, path) pairs in search order."""
    env = os.environ.get("DROPBOX_POST_BIN")
    if env:
        yield "$DROPBOX_POST_BIN", env
        return
    if INSTALLED_BIN:
        yield "the binary that installed this script", INSTALLED_BIN
    here = os.path.dirname(os.path.realpath(__file__))
    yield "the repository's bin/", os.path.join(os.path.dirname(here), "bin", NAME)
    yield "this script's folder", os.path.join(here, NAME)
    found = shutil.which(NAME)
    yield "$PATH", found or NAME


def executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def canonical(arg):
    """The param name of a --NAME[=VALUE] argument, lower case, '-' as '_'."""
    if not arg.startswith("--"):
        return None
    return arg[2:].partition("=")[0].lower().replace("-", "_")


def take_passwords(args):
    """Split args into the arguments to pass on and the --password= values."""
    rest, passwords = [], []
    for a in args:
        name = canonical(a)
        if name == "password" and "=" in a:
            passwords.append(a.partition("=")[2])
            continue
        if name in ("key_password", "password_file"):
            continue
        rest.append(a)
    return rest, passwords


def password_pipe(password):
    """Return the read end of a pipe holding password, inheritable."""
    data = os.fsencode(password)
    if len(data) > 60000:
        sys.stderr.write("dropbox-post.py: the password is longer than 60000 bytes\n")
        sys.exit(2)
    r, w = os.pipe()
    while data:
        data = data[os.write(w, data):]
    os.close(w)
    os.set_inheritable(r, True)
    return r


def main():
    tried = []
    for where, path in candidates():
        if executable(path):
            args, passwords = take_passwords(sys.argv[1:])
            env = dict(os.environ)
            for name in (PASSWORD_FD, CALL_PASSWORD, PASSWORD_COUNT):
                env.pop(name, None)
            if passwords:
                env[PASSWORD_COUNT] = str(len(passwords))
            if os.name == "nt":
                # No execv that keeps a pipe open on Windows: the binary
                # runs as a child, with the password in its environment
                # (DROPBOX_POST_CALL_PASSWORD), which process listings and
                # command-line audit logs do not show, as they show its
                # command line.
                import subprocess
                if passwords:
                    env[CALL_PASSWORD] = passwords[-1]
                sys.exit(subprocess.call([path] + args, env=env))
            if passwords:
                env[PASSWORD_FD] = str(password_pipe(passwords[-1]))
            os.execve(path, [path] + args, env)
        tried.append(f"  {where}: {path}")
    msg = ("dropbox-post.py: cannot find the dropbox-post program. Looked in:\n"
           + "\n".join(tried)
           + "\nBuild it with \"make build\" in the dropbox-post repository and run "
           "\"dropbox-post librec-auto install\", or set DROPBOX_POST_BIN to its path.\n")
    sys.stderr.write(msg)
    tell_terminal(msg)
    sys.exit(127)


def tell_terminal(msg):
    """Write msg on the controlling terminal too when stderr is not it:
    librec-auto captures a post script's stderr and never shows it."""
    try:
        if sys.stderr.isatty():
            return
        with open("/dev/tty", "w") as tty:
            tty.write(msg)
    except OSError:
        pass


if __name__ == "__main__":
    main()
