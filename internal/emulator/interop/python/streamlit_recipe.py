# A Streamlit dashboard's Dropbox side: read a study's results with the
# official SDK, which refreshes its own access token.
# .streamlit/secrets.toml holds the [dropbox] section that
#   dropbox-post auth --read-only --app-key KEY --app-secret SECRET --encrypted keys/dashboard.enc
#   dropbox-post secrets export --encrypted-key keys/dashboard.enc --format streamlit
# prints (app_key, app_secret if the app has one, refresh_token): a
# credential that can read the results but never overwrite them.
import dropbox


def dropbox_client(secrets):
    """A client from the [dropbox] section: it makes and renews its access
    tokens from the refresh token by itself."""
    if "refresh_token" not in secrets:  # a bare access token: lasts hours
        return dropbox.Dropbox(secrets["access_token"])
    return dropbox.Dropbox(
        oauth2_refresh_token=secrets["refresh_token"],
        app_key=secrets["app_key"],
        app_secret=secrets.get("app_secret"),
    )


def download_results(dbx, folder):
    """Every file under folder (e.g. "/studies/movielens"), as
    {path: bytes}."""
    results = {}
    page = dbx.files_list_folder(folder, recursive=True)
    while True:
        for entry in page.entries:
            if isinstance(entry, dropbox.files.FileMetadata):
                _, response = dbx.files_download(entry.path_lower)
                results[entry.path_display] = response.content
        if not page.has_more:
            return results
        page = dbx.files_list_folder_continue(page.cursor)


# In the app:
#   import streamlit as st
#   dbx = dropbox_client(st.secrets["dropbox"])
#   results = download_results(dbx, "/studies/movielens")
