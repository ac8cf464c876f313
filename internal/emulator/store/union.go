package store

import (
	"bytes"
	"encoding/json"
)

// Union is a Stone tagged union as Dropbox writes it: {".tag": tag, fields…},
// with ".tag" first and the fields in the order given.
type Union struct {
	Tag    string
	Fields []Field
}

// Field is one key and value of a Union.
type Field struct {
	Key string
	Val any
}

// U builds a union from a tag and key/value pairs.
func U(tag string, kv ...any) Union {
	x := Union{Tag: tag}
	for i := 0; i+1 < len(kv); i += 2 {
		x.Fields = append(x.Fields, Field{kv[i].(string), kv[i+1]})
	}
	return x
}

// MarshalJSON writes the union with ".tag" first.
func (x Union) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{".tag":`)
	t, _ := Marshal(x.Tag)
	b.Write(t)
	for _, f := range x.Fields {
		k, _ := Marshal(f.Key)
		v, err := Marshal(f.Val)
		if err != nil {
			return nil, err
		}
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Summary is the tag path of the union, as in error_summary: the tag, then
// the summary of the value stored under the tag (or under "reason", as in
// UploadWriteFailed).
func (x Union) Summary() string {
	for _, key := range []string{x.Tag, "reason"} {
		for _, f := range x.Fields {
			if f.Key == key {
				if inner, ok := f.Val.(Union); ok {
					return x.Tag + "/" + inner.Summary()
				}
			}
		}
	}
	return x.Tag
}

// Marshal is json.Marshal without HTML escaping, as Dropbox writes JSON.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
