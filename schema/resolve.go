package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// Incompatibility is one reason a reader cannot read a writer's data.
type Incompatibility struct {
	// Path names the place in the reader schema, for example
	// "com.acme.Click.fields(user_id).type". A union branch is written
	// "[i]" (the reader's branch i) or "[writer i]" (the writer's branch i
	// when the reader is not a union).
	Path string
	// Msg says what is wrong.
	Msg string
	// ReaderPos and WriterPos are where the two sides were defined (zero
	// when unknown).
	ReaderPos, WriterPos Pos
}

// String formats the incompatibility as "path: message".
func (i Incompatibility) String() string {
	if i.Path == "" {
		return i.Msg
	}
	return i.Path + ": " + i.Msg
}

// CanRead reports every reason reader cannot read data written with writer
// (nil when it can), by the rules of the Avro 1.12 specification, section
// "Schema Resolution". Logical types resolve by their underlying types.
// Enum symbols the writer may send that the reader lacks (when the reader
// has no enum default) count as an incompatibility, as do writer union
// branches no reader type can read, although both only fail at decode time
// when the data uses them.
func CanRead(reader, writer *Type) []Incompatibility {
	c := &compatChecker{seen: map[[2]*Type]bool{}}
	c.check(reader, writer, rootPath(reader))
	return c.out
}

// rootPath names the top of a reader schema in paths: the full name of a
// named type, or the kind of an unnamed one.
func rootPath(t *Type) string {
	if t == nil {
		return ""
	}
	if t.Kind.IsNamed() {
		return t.Name.Full()
	}
	return t.Kind.String()
}

type compatChecker struct {
	// seen holds the (reader, writer) pairs of named types already checked
	// or being checked, so recursive schemas terminate and each pair is
	// reported once.
	seen map[[2]*Type]bool
	out  []Incompatibility
}

func (c *compatChecker) add(path, msg string, r, w *Type) {
	inc := Incompatibility{Path: path, Msg: msg}
	if r != nil {
		inc.ReaderPos = r.Pos
	}
	if w != nil {
		inc.WriterPos = w.Pos
	}
	c.out = append(c.out, inc)
}

func (c *compatChecker) check(r, w *Type, path string) {
	if r == nil || w == nil {
		c.add(path, "missing schema", r, w)
		return
	}
	if w.Kind == Union {
		c.checkWriterUnion(r, w, path)
		return
	}
	if r.Kind == Union {
		i := ReaderBranch(r, w)
		if i < 0 {
			c.add(path, fmt.Sprintf("no branch of the reader union %s can read the writer's %s", Describe(r), Describe(w)), r, w)
			return
		}
		c.check(r.Branches[i], w, path+"["+strconv.Itoa(i)+"]")
		return
	}
	if r.Kind.IsNamed() && r.Kind == w.Kind {
		key := [2]*Type{r, w}
		if c.seen[key] {
			return
		}
		c.seen[key] = true
	}
	switch {
	case r.Kind == w.Kind:
	case Promotable(r.Kind, w.Kind):
		return
	default:
		c.add(path, fmt.Sprintf("reader type %s cannot read writer type %s", Describe(r), Describe(w)), r, w)
		return
	}
	switch r.Kind {
	case Record:
		if !NamesMatch(r, w) {
			c.add(path, fmt.Sprintf("reader record %s cannot read writer record %s: the names differ and no reader alias matches", r.Name.Full(), w.Name.Full()), r, w)
			return
		}
		c.checkRecord(r, w, path)
	case Enum:
		if !NamesMatch(r, w) {
			c.add(path, fmt.Sprintf("reader enum %s cannot read writer enum %s: the names differ and no reader alias matches", r.Name.Full(), w.Name.Full()), r, w)
			return
		}
		if r.HasEnumDefault {
			return
		}
		if missing := MissingSymbols(r, w); len(missing) > 0 {
			c.add(path, fmt.Sprintf("writer enum symbols %s are not in the reader enum %s, which has no default", strings.Join(missing, ", "), r.Name.Full()), r, w)
		}
	case Fixed:
		if !NamesMatch(r, w) {
			c.add(path, fmt.Sprintf("reader fixed %s cannot read writer fixed %s: the names differ and no reader alias matches", r.Name.Full(), w.Name.Full()), r, w)
			return
		}
		if r.Size != w.Size {
			c.add(path, fmt.Sprintf("reader fixed %s has size %d but the writer's has size %d", r.Name.Full(), r.Size, w.Size), r, w)
		}
	case Array:
		c.check(r.Items, w.Items, path+".items")
	case Map:
		c.check(r.Values, w.Values, path+".values")
	}
}

// checkWriterUnion checks a writer union: each of its branches must be
// readable, either by the reader's matching branch (reader union) or by the
// reader type itself.
func (c *compatChecker) checkWriterUnion(r, w *Type, path string) {
	for j, wb := range w.Branches {
		if r.Kind == Union {
			i := ReaderBranch(r, wb)
			if i < 0 {
				c.add(path, fmt.Sprintf("writer union branch %d (%s) matches no branch of the reader union %s", j, Describe(wb), Describe(r)), r, wb)
				continue
			}
			c.check(r.Branches[i], wb, path+"["+strconv.Itoa(i)+"]")
			continue
		}
		c.check(r, wb, path+"[writer "+strconv.Itoa(j)+"]")
	}
}

func (c *compatChecker) checkRecord(r, w *Type, path string) {
	for _, rf := range r.Fields {
		fpath := path + ".fields(" + rf.Name + ")"
		wf := MatchField(rf, w)
		if wf == nil {
			if !rf.HasDefault {
				inc := Incompatibility{Path: fpath, Msg: "reader field has no default and writer lacks it", ReaderPos: rf.Pos, WriterPos: w.Pos}
				c.out = append(c.out, inc)
			}
			continue
		}
		c.check(rf.Type, wf.Type, fpath+".type")
	}
}

// Promotable reports whether data of the writer's primitive kind can be
// read as the reader's different primitive kind: int to long, float or
// double; long to float or double; float to double; string to bytes and
// bytes to string.
func Promotable(reader, writer Kind) bool {
	switch writer {
	case Int:
		return reader == Long || reader == Float || reader == Double
	case Long:
		return reader == Float || reader == Double
	case Float:
		return reader == Double
	case String:
		return reader == Bytes
	case Bytes:
		return reader == String
	}
	return false
}

// NamesMatch reports whether the reader's named type accepts the writer's
// name: the full names are equal, the unqualified names are equal (as
// Java's implementation allows), or one of the reader's aliases is the
// writer's full name.
func NamesMatch(reader, writer *Type) bool {
	if reader.Name.Full() == writer.Name.Full() || reader.Name.Name == writer.Name.Name {
		return true
	}
	for _, a := range reader.Aliases {
		if a.Full() == writer.Name.Full() {
			return true
		}
	}
	return false
}

// MatchField returns the field of the writer record that the reader field
// reads: the field with the same name, else the first writer field whose
// name is one of the reader field's aliases. It returns nil when the
// writer has no such field.
func MatchField(rf *Field, writer *Type) *Field {
	for _, wf := range writer.Fields {
		if wf.Name == rf.Name {
			return wf
		}
	}
	for _, a := range rf.Aliases {
		for _, wf := range writer.Fields {
			if wf.Name == a {
				return wf
			}
		}
	}
	return nil
}

// MissingSymbols lists the writer enum's symbols the reader enum lacks, in
// writer order.
func MissingSymbols(reader, writer *Type) []string {
	have := make(map[string]bool, len(reader.Symbols))
	for _, s := range reader.Symbols {
		have[s] = true
	}
	var missing []string
	for _, s := range writer.Symbols {
		if !have[s] {
			missing = append(missing, s)
		}
	}
	return missing
}

// ReaderBranch returns the index of the branch of the reader union that
// reads data of the non-union writer type, or -1 when none can. It picks,
// in order of preference: the first branch of the same unnamed kind or
// with the same full name (or a reader alias of it); then the first named
// branch of the same kind whose unqualified name matches; then the first
// branch the writer's primitive kind promotes to.
func ReaderBranch(reader, writer *Type) int {
	if reader.Kind != Union || writer.Kind == Union {
		return -1
	}
	for i, b := range reader.Branches {
		if b.Kind != writer.Kind {
			continue
		}
		if !b.Kind.IsNamed() {
			return i
		}
		if b.Name.Full() == writer.Name.Full() {
			return i
		}
		for _, a := range b.Aliases {
			if a.Full() == writer.Name.Full() {
				return i
			}
		}
	}
	for i, b := range reader.Branches {
		if b.Kind == writer.Kind && b.Kind.IsNamed() && b.Name.Name == writer.Name.Name {
			return i
		}
	}
	for i, b := range reader.Branches {
		if Promotable(b.Kind, writer.Kind) {
			return i
		}
	}
	return -1
}

// Describe names a type for messages: its full name for a named type,
// "array<items>", "map<values>", "union[a, b]" or the primitive kind.
func Describe(t *Type) string {
	if t == nil {
		return "<nil>"
	}
	switch t.Kind {
	case Record, Enum, Fixed:
		return t.Kind.String() + " " + t.Name.Full()
	case Array:
		return "array<" + describeShort(t.Items) + ">"
	case Map:
		return "map<" + describeShort(t.Values) + ">"
	case Union:
		parts := make([]string, len(t.Branches))
		for i, b := range t.Branches {
			parts[i] = describeShort(b)
		}
		return "union[" + strings.Join(parts, ", ") + "]"
	}
	return t.Kind.String()
}

func describeShort(t *Type) string {
	if t != nil && t.Kind.IsNamed() {
		return t.Name.Full()
	}
	if t != nil && (t.Kind == Array || t.Kind == Map || t.Kind == Union) {
		return t.Kind.String()
	}
	return Describe(t)
}
