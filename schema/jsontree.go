package schema

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonKind is the kind of a JSON value.
type jsonKind int

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

func (k jsonKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// node is a JSON value with the position it was read from. Schema files are
// parsed into nodes (not into map[string]any) so that every error can name
// the file, line and column.
type node struct {
	kind    jsonKind
	pos     Pos
	str     string // jsonString: the decoded string; jsonNumber: the literal
	boolean bool
	elems   []*node  // jsonArray
	members []member // jsonObject, in source order
	raw     string   // the source text of the value
}

// member is one key of a JSON object.
type member struct {
	key    string
	keyPos Pos
	value  *node
}

// get returns the value of key in an object node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != jsonObject {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.value
		}
	}
	return nil
}

// parseJSON parses src (the contents of file) into a node tree. Duplicate
// object keys are an error, as are trailing characters.
func parseJSON(file string, src []byte) (*node, error) {
	p := &jsonParser{file: file, src: string(src), line: 1, lineStart: 0}
	p.skipSpace()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.off < len(p.src) {
		return nil, p.errf("unexpected %q after the top-level value", p.src[p.off])
	}
	return n, nil
}

type jsonParser struct {
	file      string
	src       string
	off       int
	line      int
	lineStart int

	// colOff and col cache the last column computed, so that positions on
	// one very long line (minified schemas) cost linear time overall.
	colOff, col int
}

const maxJSONDepth = 1000

func (p *jsonParser) pos() Pos {
	if p.colOff < p.lineStart || p.colOff > p.off {
		p.colOff, p.col = p.lineStart, 0
	}
	p.col += utf8.RuneCountInString(p.src[p.colOff:p.off])
	p.colOff = p.off
	return Pos{File: p.file, Line: p.line, Col: p.col + 1}
}

func (p *jsonParser) errf(format string, args ...any) error {
	return &Error{Pos: p.pos(), Msg: "invalid JSON: " + fmt.Sprintf(format, args...)}
}

func (p *jsonParser) skipSpace() {
	for p.off < len(p.src) {
		switch p.src[p.off] {
		case '\n':
			p.off++
			p.line++
			p.lineStart = p.off
		case ' ', '\t', '\r':
			p.off++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (*node, error) {
	if depth > maxJSONDepth {
		return nil, p.errf("nested deeper than %d levels", maxJSONDepth)
	}
	if p.off >= len(p.src) {
		return nil, p.errf("unexpected end of input")
	}
	start := p.off
	n := &node{pos: p.pos()}
	switch c := p.src[p.off]; {
	case c == '{':
		n.kind = jsonObject
		p.off++
		p.skipSpace()
		if p.off < len(p.src) && p.src[p.off] == '}' {
			p.off++
			break
		}
		seen := map[string]bool{}
		for {
			p.skipSpace()
			if p.off >= len(p.src) || p.src[p.off] != '"' {
				return nil, p.errf("expected a string key")
			}
			keyPos := p.pos()
			key, err := p.string()
			if err != nil {
				return nil, err
			}
			if seen[key] {
				return nil, &Error{Pos: keyPos, Msg: fmt.Sprintf("invalid JSON: duplicate key %q", key)}
			}
			seen[key] = true
			p.skipSpace()
			if p.off >= len(p.src) || p.src[p.off] != ':' {
				return nil, p.errf("expected ':' after key %q", key)
			}
			p.off++
			p.skipSpace()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{key: key, keyPos: keyPos, value: v})
			p.skipSpace()
			if p.off < len(p.src) && p.src[p.off] == ',' {
				p.off++
				continue
			}
			if p.off < len(p.src) && p.src[p.off] == '}' {
				p.off++
				break
			}
			return nil, p.errf("expected ',' or '}' in object")
		}
	case c == '[':
		n.kind = jsonArray
		p.off++
		p.skipSpace()
		if p.off < len(p.src) && p.src[p.off] == ']' {
			p.off++
			break
		}
		for {
			p.skipSpace()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, v)
			p.skipSpace()
			if p.off < len(p.src) && p.src[p.off] == ',' {
				p.off++
				continue
			}
			if p.off < len(p.src) && p.src[p.off] == ']' {
				p.off++
				break
			}
			return nil, p.errf("expected ',' or ']' in array")
		}
	case c == '"':
		n.kind = jsonString
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		n.str = s
	case c == 't' && strings.HasPrefix(p.src[p.off:], "true"):
		n.kind, n.boolean = jsonBool, true
		p.off += 4
	case c == 'f' && strings.HasPrefix(p.src[p.off:], "false"):
		n.kind = jsonBool
		p.off += 5
	case c == 'n' && strings.HasPrefix(p.src[p.off:], "null"):
		n.kind = jsonNull
		p.off += 4
	case c == '-' || (c >= '0' && c <= '9'):
		n.kind = jsonNumber
		if err := p.number(); err != nil {
			return nil, err
		}
		n.str = p.src[start:p.off]
	default:
		return nil, p.errf("unexpected character %q", c)
	}
	n.raw = p.src[start:p.off]
	return n, nil
}

func (p *jsonParser) number() error {
	s := p.src
	i := p.off
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		p.off = i
		return p.errf("malformed number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			p.off = i
			return p.errf("malformed number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.off = i
			return p.errf("malformed number")
		}
	}
	p.off = i
	return nil
}

// string reads a quoted string at p.off and decodes its escapes.
func (p *jsonParser) string() (string, error) {
	p.off++ // opening quote
	var b strings.Builder
	for {
		if p.off >= len(p.src) {
			return "", p.errf("unterminated string")
		}
		c := p.src[p.off]
		switch {
		case c == '"':
			p.off++
			return b.String(), nil
		case c == '\\':
			if p.off+1 >= len(p.src) {
				return "", p.errf("unterminated string")
			}
			e := p.src[p.off+1]
			p.off += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					if strings.HasPrefix(p.src[p.off:], `\u`) {
						p.off += 2
						r2, err := p.hex4()
						if err != nil {
							return "", err
						}
						r = utf16.DecodeRune(r, r2)
					} else {
						r = utf8.RuneError
					}
				}
				b.WriteRune(r)
			default:
				p.off -= 2
				return "", p.errf("invalid escape \\%c", e)
			}
		case c < 0x20:
			return "", p.errf("control character %#x in string", c)
		default:
			b.WriteByte(c)
			p.off++
		}
	}
}

func (p *jsonParser) hex4() (rune, error) {
	if p.off+4 > len(p.src) {
		return 0, p.errf("short \\u escape")
	}
	v, err := strconv.ParseUint(p.src[p.off:p.off+4], 16, 32)
	if err != nil {
		return 0, p.errf("invalid \\u escape %q", p.src[p.off:p.off+4])
	}
	p.off += 4
	return rune(v), nil
}
