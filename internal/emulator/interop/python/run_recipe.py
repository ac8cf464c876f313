"""Runs streamlit_recipe.py as a Streamlit app would, without Streamlit:
the [dropbox] section of a secrets.toml (read with tomllib, as Streamlit
reads it) goes to dropbox_client, then download_results reads a folder.
Prints {path: [size, sha256]} as JSON for
plugin/internal/cli/streamlit_test.go to compare with what was pushed.

  run_recipe.py SECRETS_TOML FOLDER
"""

import hashlib
import json
import sys
import tomllib

from streamlit_recipe import download_results, dropbox_client


def main(secrets_file, folder):
    with open(secrets_file, "rb") as f:
        secrets = tomllib.load(f)["dropbox"]
    dbx = dropbox_client(secrets)
    results = download_results(dbx, folder)
    print(json.dumps({p: [len(b), hashlib.sha256(b).hexdigest()] for p, b in sorted(results.items())}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
