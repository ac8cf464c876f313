"""Runs the official Dropbox Python SDK (Debian's python3-dropbox) against
the dropbox-post emulator: every route the emulator serves, with their
errors, OAuth (PKCE and the app secret, refresh), sharing, and listings
with continue and reset. The SDK builds every request and checks every
answer with its generated Stone validators (lengths, patterns, required
fields), as it would with Dropbox.

internal/emulator/python_test.go starts the emulator over HTTPS and
runs this with /usr/bin/python3 (or the interpreter that imports dropbox)
and, for the SDK, DROPBOX_API_HOST, DROPBOX_API_CONTENT_HOST and
DROPBOX_WEB_HOST (the emulator's host:port) and REQUESTS_CA_BUNDLE (its
certificate); for this script:

  DROPBOX_TOKEN          an access token the emulator accepts (never expires)
  APP_KEY, APP_SECRET    an app registered with the emulator

It prints one line per check, then "python interop: N passed, 0 failed",
and exits non-zero when a check fails.
"""

import datetime
import hashlib
import os
import re
import sys
import traceback

import requests

import dropbox
from dropbox import exceptions, files, sharing
from dropbox.stone_base import Route
from dropbox import stone_validators as bv

import stone_extra

HOST = os.environ["DROPBOX_API_HOST"]
TOKEN = os.environ["DROPBOX_TOKEN"]
APP_KEY = os.environ["APP_KEY"]
APP_SECRET = os.environ["APP_SECRET"]

# Requests carrying this header are answered by a second emulator that
# always throttles (429) or always fails (5xx): the test harness routes
# them, so that those answers come from the emulator itself.
BACKEND = "Emulator-Test-Backend"

CHUNK = 4 << 20  # concurrent sessions take 4 MiB-aligned chunks


def client(**kw):
    return dropbox.Dropbox(TOKEN, max_retries_on_error=0, **kw)


dbx = client()
routes_seen = set()


def admin(path):
    """Calls one of the emulator's test helpers."""
    r = requests.post("https://%s/emulator/%s" % (HOST, path), timeout=10)
    assert r.status_code in (200, 204), (path, r.status_code, r.text)


def content_hash(data):
    blocks = b"".join(hashlib.sha256(data[i:i + CHUNK]).digest() for i in range(0, len(data), CHUNK))
    return hashlib.sha256(blocks).hexdigest()


def api_error(fn, *args, **kw):
    """Calls fn, which must raise ApiError; returns the error union."""
    try:
        fn(*args, **kw)
    except exceptions.ApiError as e:
        assert re.fullmatch(r"[0-9a-f]{32}", e.request_id), e.request_id
        return e.error
    raise AssertionError("%s did not fail" % fn.__name__)


checks = []


def check(*routes):
    """Registers a check and the routes it drives."""
    def register(fn):
        checks.append((fn, routes))
        return fn
    return register


@check("users/get_current_account", "users/get_space_usage", "check/user")
def account():
    acct = dbx.users_get_current_account()
    assert len(acct.account_id) == 40, acct.account_id
    assert acct.account_type.is_basic()
    space = dbx.users_get_space_usage()
    assert space.allocation.is_individual() and space.allocation.get_individual().allocated > space.used, space
    assert dbx.check_user("ping").result == "ping"


@check("files/upload", "files/get_metadata")
def small_upload():
    data = b"hello from python"
    meta = dbx.files_upload(data, "/Interop/small.txt", content_hash=content_hash(data))
    assert meta.path_display == "/Interop/small.txt" and meta.size == len(data)
    assert meta.content_hash == content_hash(data)
    got = dbx.files_get_metadata("/interop/SMALL.txt")
    assert isinstance(got, files.FileMetadata) and got.id == meta.id and got.rev == meta.rev
    # Errors: a conflict, a wrong content hash, a missing path.
    err = api_error(dbx.files_upload, b"other", "/Interop/small.txt")
    assert err.is_path() and err.get_path().reason.is_conflict(), err
    err = api_error(dbx.files_upload, data, "/Interop/bad.txt", content_hash="0" * 64)
    assert err.is_content_hash_mismatch(), err
    err = api_error(dbx.files_get_metadata, "/Interop/missing.txt")
    assert err.is_path() and err.get_path().is_not_found(), err


@check("files/upload_session/start", "files/upload_session/append_v2", "files/upload_session/finish")
def sequential_session():
    parts = [b"first part, ", b"second part, ", b"last part"]
    start = dbx.files_upload_session_start(parts[0])
    cursor = files.UploadSessionCursor(start.session_id, len(parts[0]))
    dbx.files_upload_session_append_v2(parts[1], cursor)
    cursor.offset += len(parts[1])
    meta = dbx.files_upload_session_finish(parts[2], cursor, files.CommitInfo("/Interop/session.txt"))
    assert meta.size == sum(map(len, parts)) and meta.content_hash == content_hash(b"".join(parts))
    # Error: a wrong offset names the right one.
    s2 = dbx.files_upload_session_start(b"abc")
    err = api_error(dbx.files_upload_session_append_v2, b"def", files.UploadSessionCursor(s2.session_id, 1))
    assert err.is_incorrect_offset() and err.get_incorrect_offset().correct_offset == 3, err


@check("files/upload_session/start_batch", "files/upload_session/append_batch",
       "files/upload_session/finish_batch_v2")
def concurrent_batch():
    big = bytes(range(256)) * (CHUNK // 256) * 2 + b"tail"  # two full chunks and a tail
    ids = dbx.files_upload_session_start_batch(2, session_type=files.UploadSessionType.concurrent).session_ids
    assert len(ids) == 2
    # Chunks out of order, through the SDK's transport (this SDK version has
    # no append_batch method: stone_extra holds its types from the spec).
    dbx.files_upload_session_append_v2(big[CHUNK:2 * CHUNK], files.UploadSessionCursor(ids[0], CHUNK))
    res = stone_extra.append_batch(dbx, [(ids[0], 0, CHUNK, False), (ids[0], 2 * CHUNK, 4, True),
                                         (ids[1], 0, 0, True)],
                                   big[:CHUNK] + big[2 * CHUNK:])
    assert [e.is_success() for e in res.entries] == [True, True, True], res
    res = stone_extra.append_batch(dbx, [(ids[1], 1, 3, False)], b"xyz")
    assert res.entries[0].is_failure(), res
    entries = [files.UploadSessionFinishArg(files.UploadSessionCursor(ids[0], len(big)),
                                            files.CommitInfo("/Interop/big.bin")),
               files.UploadSessionFinishArg(files.UploadSessionCursor(ids[1], 0),
                                            files.CommitInfo("/Interop/empty.txt"))]
    out = dbx.files_upload_session_finish_batch_v2(entries)
    assert [e.is_success() for e in out.entries] == [True, True], out
    assert out.entries[0].get_success().content_hash == content_hash(big)
    assert out.entries[1].get_success().size == 0


@check("files/upload_session/finish_batch", "files/upload_session/finish_batch/check")
def finish_batch_v1():
    entries = []
    for i in range(2):
        s = dbx.files_upload_session_start(b"batch file %d" % i, close=True)
        entries.append(files.UploadSessionFinishArg(files.UploadSessionCursor(s.session_id, 12),
                                                    files.CommitInfo("/Interop/batch/%d.txt" % i)))
    launch = dbx.files_upload_session_finish_batch(entries)
    assert launch.is_async_job_id(), launch
    job = launch.get_async_job_id()
    polls = 0
    while True:
        status = dbx.files_upload_session_finish_batch_check(job)
        polls += 1
        if status.is_complete():
            break
        assert status.is_in_progress() and polls < 5, status
    done = status.get_complete().entries
    assert [e.get_success().path_display for e in done] == ["/Interop/batch/0.txt", "/Interop/batch/1.txt"]
    err = api_error(dbx.files_upload_session_finish_batch_check, "dbjid:no-such-job")
    assert err.is_invalid_async_job_id(), err


@check("files/list_folder", "files/list_folder/continue")
def listing_continue_reset():
    for i in range(5):
        dbx.files_upload(b"%d" % i, "/Interop/list/f%d.txt" % i)
    names, res = [], dbx.files_list_folder("/Interop/list", limit=2)
    while True:
        names += [e.name for e in res.entries]
        if not res.has_more:
            break
        res = dbx.files_list_folder_continue(res.cursor)
    assert sorted(names) == ["f%d.txt" % i for i in range(5)], names
    # Recursive from the root, then the cursors are invalidated: reset.
    res = dbx.files_list_folder("", recursive=True, limit=3)
    assert res.has_more
    admin("reset-cursors")
    err = api_error(dbx.files_list_folder_continue, res.cursor)
    assert err.is_reset(), err
    err = api_error(dbx.files_list_folder, "/Interop/small.txt")
    assert err.is_path() and err.get_path().is_not_folder(), err


@check("files/create_folder_v2", "files/delete_v2")
def folders_and_delete():
    res = dbx.files_create_folder_v2("/Interop/Made")
    assert res.metadata.path_display == "/Interop/Made"
    err = api_error(dbx.files_create_folder_v2, "/interop/made")
    assert err.is_path() and err.get_path().is_conflict() and err.get_path().get_conflict().is_folder(), err
    gone = dbx.files_delete_v2("/Interop/Made").metadata
    assert isinstance(gone, files.FolderMetadata)
    err = api_error(dbx.files_delete_v2, "/Interop/Made")
    assert err.is_path_lookup() and err.get_path_lookup().is_not_found(), err


@check("files/download")
def download():
    meta, resp = dbx.files_download("/Interop/session.txt")
    assert resp.content == b"first part, second part, last part"
    assert meta.content_hash == content_hash(resp.content)
    err = api_error(dbx.files_download, "/Interop/nothing.txt")
    assert err.is_path() and err.get_path().is_not_found(), err


@check("sharing/create_shared_link_with_settings", "sharing/list_shared_links")
def shared_links():
    link = dbx.sharing_create_shared_link_with_settings("/Interop/small.txt")
    assert isinstance(link, sharing.FileLinkMetadata) and link.url.startswith("http"), link
    err = api_error(dbx.sharing_create_shared_link_with_settings, "/Interop/small.txt")
    assert err.is_shared_link_already_exists(), err
    listed = dbx.sharing_list_shared_links(path="/Interop/small.txt", direct_only=True).links
    assert [x.url for x in listed] == [link.url], listed
    err = api_error(dbx.sharing_create_shared_link_with_settings, "/Interop/none")
    assert err.is_path() and err.get_path().is_not_found(), err


@check()
def transport_errors():
    # 400 for a malformed argument, and for a route Dropbox does not have.
    try:
        dbx.files_list_folder("/", limit=1)
        raise AssertionError("list_folder of '/' passed")
    except exceptions.BadInputError as e:  # the SDK's own pattern lets "/" through
        assert e.message == ('Error in call to API function "files/list_folder": request body: path: '
                             'Specify the root folder as an empty string rather than as "/".'), e.message
    nope = Route("no_such_route", 1, False, bv.Void(), bv.Void(), bv.Void(),
                 {"auth": "user", "host": "api", "style": "rpc"})
    try:
        dbx.request(nope, "files", None, None)
        raise AssertionError("an unknown route passed")
    except exceptions.BadInputError as e:
        assert e.message == ('Error in call to API function "files/no_such_route": '
                             "Unknown API function: /2/files/no_such_route"), e.message
    # 401 for a token the emulator does not know.
    try:
        dropbox.Dropbox("not-a-token").users_get_current_account()
        raise AssertionError("an unknown token passed")
    except exceptions.AuthError as e:
        assert e.error.is_invalid_access_token(), e
    # 429 and 5xx, from the throttling and failing emulators.
    try:
        client(headers={BACKEND: "throttle"}, max_retries_on_rate_limit=0).users_get_current_account()
        raise AssertionError("throttled call passed")
    except exceptions.RateLimitError as e:
        assert e.error.reason.is_too_many_requests() and e.backoff == 0, e
    try:
        client(headers={BACKEND: "fail"}).users_get_current_account()
        raise AssertionError("failing call passed")
    except exceptions.InternalServerError as e:
        assert e.status_code in (500, 503), e


def authorize(url):
    """Follows the authorize page as a user who clicks Allow, and returns the code."""
    page = requests.get(url, timeout=10)
    m = re.search(r'<code id="auth-code">([^<]+)</code>', page.text)
    assert page.status_code == 200 and m, (page.status_code, page.text)
    return m.group(1)


@check("auth/token/revoke")
def oauth_pkce_refresh_revoke():
    flow = dropbox.DropboxOAuth2FlowNoRedirect(APP_KEY, use_pkce=True, token_access_type="offline",
                                               scope=["account_info.read", "files.content.read"])
    res = flow.finish(authorize(flow.start()))
    assert res.refresh_token and len(res.account_id) == 40 and res.expires_at > datetime.datetime.utcnow()
    assert set(res.scope.split()) == {"account_info.read", "files.content.read"}, res.scope
    # The SDK makes its own access token from the refresh token (PKCE: no secret).
    pkce = dropbox.Dropbox(oauth2_refresh_token=res.refresh_token, app_key=APP_KEY)
    assert pkce.users_get_current_account().account_id == res.account_id
    # An expired token is refreshed and the call retried.
    admin("expire-tokens")
    assert pkce.files_get_metadata("/Interop/small.txt").size == 17
    # Out of scope: 401 missing_scope.
    try:
        pkce.files_upload(b"x", "/Interop/denied.txt")
        raise AssertionError("upload without files.content.write passed")
    except exceptions.AuthError as e:
        assert e.error.is_missing_scope(), e
    # Revoking the access token disables the refresh token behind it.
    pkce.auth_token_revoke()
    try:
        pkce.refresh_access_token()
        raise AssertionError("refresh after revoke passed")
    except exceptions.AuthError as e:
        assert e.error.is_invalid_access_token(), e


@check()
def oauth_secret_code_flow():
    flow = dropbox.DropboxOAuth2FlowNoRedirect(APP_KEY, consumer_secret=APP_SECRET, token_access_type="offline")
    res = flow.finish(authorize(flow.start()))
    assert res.refresh_token
    # A code is used once.
    try:
        flow.finish("not-a-code")
        raise AssertionError("a wrong code passed")
    except requests.HTTPError as e:
        assert e.response.status_code == 400
    with_secret = dropbox.Dropbox(oauth2_refresh_token=res.refresh_token, app_key=APP_KEY, app_secret=APP_SECRET)
    assert with_secret.users_get_current_account().email_verified
    wrong = dropbox.Dropbox(oauth2_refresh_token=res.refresh_token, app_key=APP_KEY, app_secret="wrong")
    try:
        wrong.users_get_current_account()
        raise AssertionError("a wrong app secret passed")
    except exceptions.BadInputError as e:
        assert "invalid_client" in e.message, e


def main():
    passed = failed = 0
    for fn, routes in checks:
        try:
            fn()
            passed += 1
            routes_seen.update(routes)
            print("ok   %s" % fn.__name__)
        except Exception:  # every failure is reported, then the next check runs
            failed += 1
            print("FAIL %s\n%s" % (fn.__name__, traceback.format_exc()))
    print("routes: %s" % " ".join(sorted(routes_seen)))
    print("python interop: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
