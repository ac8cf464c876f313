"""Replay of librec-auto's post step, for dropbox-post's tests.

Written for these tests from what librec-auto's PostCmd does (it is not
librec-auto's code): for each /librec-auto/post/script element of the
study's conf/config.xml, in document order, it runs

    [python, <folder>/<script-name>, "config.xml"] + ["--NAME=VALUE" for
    each <param> with text] + ["--password=<-k>" when the element has a
    password param and -k was given]

where <folder> is librec_auto/core/cmd/post for src="system", else the src
attribute; with the study as working directory, stdout and stderr captured
(piped) and thrown away, stdin inherited. Elements whose lang is not
python3 are skipped. A non-zero exit stops the post step: librec-auto
raises ScriptFailureException, here "Script failure: NAME" and exit 1.

Usage, from the study directory: python3 librec_replay.py [-k PASSWORD]
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET


def main():
    args = sys.argv[1:]
    key = args[1] if args[:1] == ["-k"] and len(args) > 1 else None
    root = ET.parse(os.path.join("conf", "config.xml")).getroot()
    system = None
    for el in root.findall("./post/script"):
        name = el.findtext("script-name")
        if el.get("lang") != "python3":
            print("skipped " + name + " (lang is not python3)")
            continue
        src = el.get("src")
        if src == "system":
            if system is None:
                import librec_auto
                system = os.path.join(os.path.dirname(os.path.abspath(librec_auto.__file__)), "core", "cmd", "post")
            folder = system
        else:
            folder = src or "."
        spec = [sys.executable, os.path.join(folder, name), "config.xml"]
        for p in el.findall("param"):
            if p.text:
                spec.append("--%s=%s" % (p.get("name"), p.text))
        if el.find("param[@name='password']") is not None and key:
            spec.append("--password=" + key)
        proc = subprocess.Popen(spec, cwd=os.getcwd(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.communicate()
        if proc.returncode != 0:
            print("Script failure: " + name)
            sys.exit(1)
        print("ran " + name)


if __name__ == "__main__":
    main()
