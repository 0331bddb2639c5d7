package gen

import (
	"go/token"
	"strconv"
	"strings"
	"unicode"
)

// initialisms are the words Go style writes in one case (ID, URL, ...), from
// the list golint used.
var initialisms = map[string]bool{
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true,
	"IP": true, "JSON": true, "LHS": true, "QPS": true, "RAM": true, "RHS": true,
	"RPC": true, "SLA": true, "SMTP": true, "SQL": true, "SSH": true, "TCP": true,
	"TLS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "UUID": true,
	"URI": true, "URL": true, "UTF8": true, "VM": true, "XML": true, "XMPP": true,
	"XSRF": true, "XSS": true,
}

// GoName turns a schema name ("user_id", "page-view", "HTTPStatus",
// "2fa") into an exported Go identifier ("UserID", "PageView",
// "HTTPStatus", "X2fa"). It never returns an empty string or a keyword.
func GoName(s string) string {
	words := splitWords(s)
	var b strings.Builder
	for _, w := range words {
		u := strings.ToUpper(w)
		if initialisms[u] {
			b.WriteString(u)
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	if r := []rune(out)[0]; !unicode.IsLetter(r) {
		out = "X" + out
	}
	return out
}

// LowerName is GoName with its first word in lower case, for unexported
// identifiers and parameters ("user_id" -> "userID"). Keywords get a
// trailing underscore.
func LowerName(s string) string {
	words := splitWords(s)
	var b strings.Builder
	for i, w := range words {
		u := strings.ToUpper(w)
		switch {
		case i == 0:
			b.WriteString(strings.ToLower(w))
		case initialisms[u]:
			b.WriteString(u)
		default:
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			b.WriteString(string(r))
		}
	}
	out := b.String()
	if out == "" {
		return "x"
	}
	if r := []rune(out)[0]; !unicode.IsLetter(r) && r != '_' {
		out = "x" + out
	}
	if token.IsKeyword(out) {
		out += "_"
	}
	return out
}

// splitWords splits a name at separators (anything not a letter or digit)
// and at lower-to-upper case changes, keeping runs of capitals together
// ("HTTPServer" -> "HTTP", "Server").
func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 && unicode.IsUpper(r) {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

// Namer hands out identifiers in one Go scope (a package, or the fields and
// methods of one struct), adding a numeric suffix when a name is taken.
type Namer struct {
	used map[string]bool
}

// NewNamer returns a Namer with the given names already taken.
func NewNamer(reserved ...string) *Namer {
	n := &Namer{used: map[string]bool{}}
	for _, r := range reserved {
		n.used[r] = true
	}
	return n
}

// Reserve marks name as taken and reports whether it was free.
func (n *Namer) Reserve(name string) bool {
	if n.used[name] {
		return false
	}
	n.used[name] = true
	return true
}

// Name returns want if it is free, and otherwise want2, want3, ... The
// returned name is taken from then on.
func (n *Namer) Name(want string) string {
	if n.Reserve(want) {
		return want
	}
	for i := 2; ; i++ {
		c := want + strconv.Itoa(i)
		if n.Reserve(c) {
			return c
		}
	}
}
