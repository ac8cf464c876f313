"""Stone types that Debian's SDK (11.34) predates, written from files.stone
of dropbox/dropbox-api-spec with the SDK's own stone_base and
stone_validators, so that they are sent through the SDK's transport and
checked as strictly as the generated ones:

- the route files/upload_session/append_batch, with its types (below);
- fields added to existing structs since: ListFolderArg gained
  include_restorable_info Boolean = false (sent by the Go SDK v6).

  struct UploadSessionAppendBatchArg
      entries List(UploadSessionAppendBatchArgEntry, max_items=1000)
      content_hash Sha256HexHash?
  struct UploadSessionAppendBatchArgEntry
      cursor UploadSessionCursor, length UInt64, close Boolean = false
  struct UploadSessionAppendBatchResult
      entries List(UploadSessionAppendBatchResultEntry)
  union_closed UploadSessionAppendBatchResultEntry
      success, failure UploadSessionAppendBatchEntryError
  union UploadSessionAppendBatchEntryError
      not_found, incorrect_offset UploadSessionOffsetError, closed, too_large,
      concurrent_session_invalid_offset, concurrent_session_invalid_data_size
  union UploadSessionAppendBatchError
      payload_too_large, content_hash_mismatch, length_mismatch
  route upload_session/append_batch (content host, upload style)
"""

from dropbox import files
from dropbox import stone_base as bb
from dropbox import stone_validators as bv


def _struct(name, fields):
    """A Stone struct class: fields is a list of (name, validator, default)."""
    attrs = {"__slots__": ["_%s_value" % f for f, _, _ in fields],
             "_has_required_fields": any(d is bb.NOT_SET for _, _, d in fields)}

    def __init__(self, **kw):
        for f, _, _ in fields:
            setattr(self, "_%s_value" % f, bb.NOT_SET)
            if kw.get(f) is not None:
                setattr(self, f, kw[f])
    attrs["__init__"] = __init__
    for f, v, _ in fields:
        attrs[f] = bb.Attribute(f, nullable=isinstance(v, bv.Nullable),
                                user_defined=isinstance(v, (bv.Struct, bv.Union)))
    cls = type(name, (bb.Struct,), attrs)
    for f, v, d in fields:
        getattr(cls, f).validator = v
        if d is not bb.NOT_SET:
            getattr(cls, f).default = d
    cls._all_field_names_ = set(f for f, _, _ in fields)
    cls._all_fields_ = [(f, v) for f, v, _ in fields]
    return cls


def _union(name, tags, catch_all):
    """A Stone union class: tags maps each tag to its validator."""
    attrs = {"_catch_all": catch_all}
    for tag in tags:
        attrs["is_" + tag] = lambda self, t=tag: self._tag == t
        attrs["get_" + tag] = lambda self: self._value
    cls = type(name, (bb.Union,), attrs)
    cls._tagmap = dict(tags)
    return cls


REQUIRED = bb.NOT_SET

UploadSessionAppendBatchArgEntry = _struct("UploadSessionAppendBatchArgEntry", [
    ("cursor", files.UploadSessionCursor_validator, REQUIRED),
    ("length", bv.UInt64(), REQUIRED),
    ("close", bv.Boolean(), False),
])
UploadSessionAppendBatchArg = _struct("UploadSessionAppendBatchArg", [
    ("entries", bv.List(bv.Struct(UploadSessionAppendBatchArgEntry), max_items=1000), REQUIRED),
    ("content_hash", bv.Nullable(files.Sha256HexHash_validator), None),
])
UploadSessionAppendBatchEntryError = _union("UploadSessionAppendBatchEntryError", {
    "not_found": bv.Void(),
    "incorrect_offset": files.UploadSessionOffsetError_validator,
    "closed": bv.Void(),
    "too_large": bv.Void(),
    "concurrent_session_invalid_offset": bv.Void(),
    "concurrent_session_invalid_data_size": bv.Void(),
    "other": bv.Void(),
}, "other")
UploadSessionAppendBatchResultEntry = _union("UploadSessionAppendBatchResultEntry", {
    "success": bv.Void(),
    "failure": bv.Union(UploadSessionAppendBatchEntryError),
}, None)
UploadSessionAppendBatchResult = _struct("UploadSessionAppendBatchResult", [
    ("entries", bv.List(bv.Union(UploadSessionAppendBatchResultEntry)), REQUIRED),
])
UploadSessionAppendBatchError = _union("UploadSessionAppendBatchError", {
    "payload_too_large": bv.Void(),
    "content_hash_mismatch": bv.Void(),
    "length_mismatch": bv.Void(),
    "other": bv.Void(),
}, "other")

upload_session_append_batch = bb.Route(
    "upload_session/append_batch", 1, False,
    bv.Struct(UploadSessionAppendBatchArg),
    bv.Struct(UploadSessionAppendBatchResult),
    bv.Union(UploadSessionAppendBatchError),
    {"auth": "user", "host": "content", "style": "upload"},
)


def append_batch(dbx, entries, data):
    """Sends data to several sessions at once, through the SDK's transport;
    entries are (session_id, offset, length, close)."""
    arg = UploadSessionAppendBatchArg(entries=[
        UploadSessionAppendBatchArgEntry(cursor=files.UploadSessionCursor(sid, off), length=n, close=close)
        for sid, off, n, close in entries])
    return dbx.request(upload_session_append_batch, "files", arg, data)


def _extend(base, extra):
    """base with fields the current spec added (name, validator, default);
    base itself when this SDK has them already."""
    extra = [x for x in extra if x[0] not in base._all_field_names_]
    if not extra:
        return base

    def __init__(self, **kw):
        base.__init__(self, **{k: v for k, v in kw.items() if k in base._all_field_names_})
        for f, _, _ in extra:
            setattr(self, "_%s_value" % f, bb.NOT_SET)
            if kw.get(f) is not None:
                setattr(self, f, kw[f])
    attrs = {"__slots__": ["_%s_value" % f for f, _, _ in extra], "__init__": __init__}
    for f, v, _ in extra:
        attrs[f] = bb.Attribute(f, nullable=isinstance(v, bv.Nullable))
    cls = type(base.__name__, (base,), attrs)
    for f, v, d in extra:
        getattr(cls, f).validator = v
        getattr(cls, f).default = d
    cls._all_field_names_ = base._all_field_names_ | set(f for f, _, _ in extra)
    cls._all_fields_ = base._all_fields_ + [(f, v) for f, v, _ in extra]
    return cls


def _with_arg(route, arg_cls):
    """route with another argument type."""
    return bb.Route(route.name, route.version, route.deprecated, bv.Struct(arg_cls),
                    route.result_type, route.error_type, route.attrs)


ListFolderArg = _extend(files.ListFolderArg, [("include_restorable_info", bv.Boolean(), False)])

# The routes of this module, by name, for the spec oracle (validate.py).
ROUTES = {
    "files/upload_session/append_batch": upload_session_append_batch,
    "files/list_folder": _with_arg(files.list_folder, ListFolderArg),
}
