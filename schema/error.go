package schema

import (
	"fmt"
	"strings"
)

// Pos is a place in a source file. Line and Col count from 1; zero means
// unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is one problem found in a schema: where it is, the path inside the
// schema (for example "Click.fields[2].type"), and what is wrong.
type Error struct {
	Pos  Pos
	Path string
	Msg  string
}

// Error formats the problem as "file:line:col: path: message".
func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one pass, in source order.
type ErrorList []*Error

// Error joins the problems, one a line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Err returns nil for an empty list and the list otherwise.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
