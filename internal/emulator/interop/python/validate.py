"""The spec as the oracle: checks every recorded request and answer of a
client session against the route's Stone types, with the official Python
SDK's own validators in strict mode (unknown fields and tags refused,
lengths, patterns and required fields checked).

Input: a file of JSON lines, one emulator.Exchange each (route, style,
status, arg, result, content_type, request_id), as
plugin/internal/cli/oracle_test.go records them. For each:
  - the argument against the route's arg_type;
  - 200: the result (JSON body, or Dropbox-API-Result of a download, also
    with 206 for a Range) against its result_type;
  - 409: the "error" of the body against its error_type, beside a string
    "error_summary"; 401: auth.AuthError; 429: auth.RateLimitError;
  - 400 and 5xx: a text body, as Dropbox writes them.

It prints one line per route and every violation, then
"oracle: N exchanges, M routes, V violations", and exits 1 on any.

  validate.py EXCHANGES [--catch-all-ok ROUTE,ROUTE…]

--catch-all-ok is for the emulator's strict modes, which answer a tag the
client cannot know, spelled "other" (the catch-all tag of an open union,
which Stone never sends on the wire): in those routes such an answer is
printed as a NOTE instead of a violation. Everything else stays strict.
"""

import collections
import json
import sys

from dropbox import auth, check, files, sharing, users
from dropbox.stone_serializers import json_compat_obj_decode

import stone_extra

NAMESPACES = {"auth": auth, "check": check, "files": files, "sharing": sharing, "users": users}


def stone_route(name):
    """The Stone route of an HTTP route name such as
    files/upload_session/finish_batch_v2, or None."""
    if name in stone_extra.ROUTES:
        return stone_extra.ROUTES[name]
    ns, _, rest = name.partition("/")
    module = NAMESPACES.get(ns)
    if module is None:
        return None
    head, sep, version = rest.rpartition("_v")
    if sep and version.isdigit():
        key = "%s:%s" % (head, version)
        if key in module.ROUTES:
            return module.ROUTES[key]
    return module.ROUTES.get(rest)


def decode(data_type, obj):
    json_compat_obj_decode(data_type, obj, strict=True)


def check_exchange(e, catch_all_ok=()):
    """Returns the violations of one exchange (empty: it conforms), and
    the notes (answers outside the spec on purpose, see --catch-all-ok)."""
    route = stone_route(e["route"])
    if route is None:
        return ["no Stone route %r in this SDK" % e["route"]], []
    problems, notes = [], []
    status, ctype = e["status"], e["content_type"]

    def validate(what, data_type, text):
        try:
            decode(data_type, json.loads(text))
        except Exception as err:  # a ValidationError, or JSON that does not parse
            msg = "%s %s does not fit the spec: %s" % (what, text[:300], err)
            if e["route"] in catch_all_ok and "catch-all tag 'other'" in str(err):
                notes.append(msg)
            else:
                problems.append(msg)

    if e["arg"]:
        validate("argument", route.arg_type, e["arg"])
    if status == 200 or (status == 206 and e["style"] == "download"):  # 206: a Range download
        if e["style"] == "download":
            validate("Dropbox-API-Result", route.result_type, e["result"])
        elif not ctype.startswith("application/json"):
            problems.append("result Content-Type %r, want application/json" % ctype)
        else:
            validate("result", route.result_type, e["result"])
    elif status in (401, 409, 429):
        try:
            body = json.loads(e["result"])
        except ValueError:
            return problems + ["%d answer is not JSON: %r" % (status, e["result"][:200])], notes
        if not isinstance(body.get("error_summary"), str) or set(body) - {"error_summary", "error", "user_message"}:
            problems.append("%d body %s is not {error_summary, error}" % (status, e["result"][:200]))
        error_type = {401: auth.AuthError_validator, 409: route.error_type, 429: auth.RateLimitError_validator}[status]
        validate("%d error" % status, error_type, json.dumps(body.get("error")))
    elif status == 400 or status >= 500:
        if not ctype.startswith("text/plain"):
            problems.append("%d answer has Content-Type %r, want text/plain" % (status, ctype))
    else:
        problems.append("status %d is not one Dropbox answers" % status)
    return problems, notes


def main(path, catch_all_ok=()):
    counts = collections.defaultdict(collections.Counter)
    violations = 0
    with open(path) as f:
        exchanges = [json.loads(line) for line in f if line.strip()]
    for e in exchanges:
        counts[e["route"]][e["status"]] += 1
        problems, notes = check_exchange(e, catch_all_ok)
        for p in problems:
            violations += 1
            print("VIOLATION %s (%d, request %s): %s" % (e["route"], e["status"], e["request_id"], p))
        for n in notes:
            print("NOTE (strict mode) %s (%d): %s" % (e["route"], e["status"], n))
    for route in sorted(counts):
        print("%-48s %s" % (route, " ".join("%d×%d" % (n, s) for s, n in sorted(counts[route].items()))))
    print("oracle: %d exchanges, %d routes, %d violations" % (len(exchanges), len(counts), violations))
    return 1 if violations or not exchanges else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    allowed = ()
    if len(args) == 3 and args[1] == "--catch-all-ok":
        allowed = tuple(args[2].split(","))
    elif len(args) != 1:
        sys.exit("usage: validate.py EXCHANGES [--catch-all-ok ROUTE,ROUTE...]")
    sys.exit(main(args[0], allowed))
