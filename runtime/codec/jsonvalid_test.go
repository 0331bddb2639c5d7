package codec

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestJSONReaderScalars(t *testing.T) {
	tests := []struct {
		in      string
		read    func(r *JSONReader) (any, error)
		want    any
		wantErr string
	}{
		{`true`, func(r *JSONReader) (any, error) { return r.ReadBool() }, true, ""},
		{` false `, func(r *JSONReader) (any, error) { return r.ReadBool() }, false, ""},
		{`1`, func(r *JSONReader) (any, error) { return r.ReadBool() }, nil, "expected a boolean, got a number"},
		{`"a\u00e9\n\ud83d\ude00"`, func(r *JSONReader) (any, error) { return r.ReadString() }, "a\u00e9\n\U0001F600", ""},
		{`"\ud800x"`, func(r *JSONReader) (any, error) { return r.ReadString() }, "\uFFFDx", ""},
		{`"a` + "\x01" + `"`, func(r *JSONReader) (any, error) { return r.ReadString() }, nil, "control character"},
		{"\"a\xffb\"", func(r *JSONReader) (any, error) { return r.ReadString() }, "a\uFFFDb", ""},
		{"\"\\n\xff\"", func(r *JSONReader) (any, error) { return r.ReadString() }, "\n\uFFFD", ""},
		{`"\q"`, func(r *JSONReader) (any, error) { return r.ReadString() }, nil, "invalid escape"},
		{`null`, func(r *JSONReader) (any, error) { return r.ReadString() }, nil, "expected a string, got null"},
		{`42`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, int64(42), ""},
		{`-1.0`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, int64(-1), ""},
		{`1e2`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, int64(100), ""},
		{`120e-1`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, int64(12), ""},
		{`9007199254740993.0`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, int64(9007199254740993), ""},
		{`1.5`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, nil, "expected an integer"},
		{`1e30`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, nil, "out of range"},
		{`9223372036854775808`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, nil, "out of range"},
		{`-9223372036854775808`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, int64(math.MinInt64), ""},
		{`0.0`, func(r *JSONReader) (any, error) { return r.ReadInt64() }, int64(0), ""},
		{`2.5e-3`, func(r *JSONReader) (any, error) { return r.ReadFloat64() }, 0.0025, ""},
		{`1e400`, func(r *JSONReader) (any, error) { return r.ReadFloat64() }, nil, "out of range"},
		{`01`, func(r *JSONReader) (any, error) { return r.ReadNumber() }, "0", ""},
		{`-`, func(r *JSONReader) (any, error) { return r.ReadNumber() }, nil, "malformed number"},
		{`1.`, func(r *JSONReader) (any, error) { return r.ReadNumber() }, nil, "malformed number"},
		{`nul`, func(r *JSONReader) (any, error) { return nil, r.ReadNull() }, nil, "invalid literal"},
		{``, func(r *JSONReader) (any, error) { return r.Peek() }, nil, "unexpected end of input"},
		{`"1998-12-31T23:59:60Z"`, func(r *JSONReader) (any, error) { return r.ReadDateTime() }, time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{`"2020-02-29"`, func(r *JSONReader) (any, error) { return r.ReadDate() }, time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), ""},
		{`"2EB8AA08-AA98-11EA-B4AA-73B441D16380"`, func(r *JSONReader) (any, error) { return r.ReadUUID() },
			UUID{0x2e, 0xb8, 0xaa, 0x08, 0xaa, 0x98, 0x11, 0xea, 0xb4, 0xaa, 0x73, 0xb4, 0x41, 0xd1, 0x63, 0x80}, ""},
	}
	for _, tt := range tests {
		r := NewJSONReader([]byte(tt.in))
		got, err := tt.read(r)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if tm, ok := got.(time.Time); ok {
			if !tm.Equal(tt.want.(time.Time)) {
				t.Errorf("%q: got %v, want %v", tt.in, tm, tt.want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%q: got %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestJSONReaderPaths(t *testing.T) {
	// Decode {"items":[{"name":...}]} with the reader the way generated code
	// does, and check that errors name the path of the bad value.
	decode := func(in string) error {
		r := NewJSONReader([]byte(in))
		err := r.ReadObject(func(key []byte) error {
			if string(key) != "items" {
				return r.Skip()
			}
			return r.ReadArray(func(int) error {
				return r.ReadObject(func(key []byte) error {
					if string(key) == "name" {
						_, err := r.ReadString()
						return err
					}
					return r.Skip()
				})
			})
		})
		if err != nil {
			return err
		}
		return r.End()
	}
	tests := []struct{ in, want string }{
		{`{"items":[{"name":"a"},{"name":1}]}`, "items[1].name: expected a string, got a number"},
		{`{"x":[1,{"y":null}],"items":[{"we ird":true,"name":"b"}]}`, ""},
		{`{"items":[{"name":"a"}]} x`, "invalid JSON at offset 25: unexpected 'x' after the value"},
		{`{"items":[{"name":"a"},]}`, "items[1]: invalid JSON at offset 23: unexpected character ']'"},
		{`{"items":{}}`, "items: expected an array, got an object"},
		{`{"items" 1}`, "expected ':' after object key"},
		{`[1]`, "expected an object, got an array"},
	}
	for _, tt := range tests {
		err := decode(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestJSONErrorPath(t *testing.T) {
	err := JSONFieldError("meta", JSONFieldError("dt", JSONErrorf("not a valid date-time")))
	if got := err.Error(); got != "meta.dt: not a valid date-time" {
		t.Errorf("got %q", got)
	}
	err = JSONFieldError("a.b", JSONIndexError(3, JSONMissing("c")))
	if got := err.Error(); got != `["a.b"][3].c: required property is missing` {
		t.Errorf("got %q", got)
	}
	if JSONFieldError("x", nil) != nil || JSONIndexError(1, nil) != nil {
		t.Error("wrapping nil must give nil")
	}
}

func TestJSONReaderDepth(t *testing.T) {
	deep := strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1)
	if err := NewJSONReader([]byte(deep)).Skip(); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestJSONReadRawAndDiscriminator(t *testing.T) {
	r := NewJSONReader([]byte(` {"a": [1, "x"]} `))
	raw, err := r.ReadRaw()
	if err != nil || string(raw) != `{"a": [1, "x"]}` {
		t.Fatalf("ReadRaw = %q, %v", raw, err)
	}
	tests := []struct {
		in, want, wantErr string
	}{
		{`{"kind":"b","type":"Point"}`, "Point", ""},
		{`{"kind":"b"}`, "", "type: required property is missing"},
		{`{"type":3}`, "", "type: expected a string"},
		{`[]`, "", "expected an object"},
	}
	for _, tt := range tests {
		got, err := JSONDiscriminator([]byte(tt.in), "type")
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v", tt.in, got, err)
		}
	}
	if n, err := JSONCountMembers([]byte(`{"a":1,"b":2,"a":3}`)); n != 2 || err != nil {
		t.Errorf("JSONCountMembers = %d, %v", n, err)
	}
}

func TestJSONCanonicalAndEqual(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{`1`, `1.0`, true},
		{`1`, `1e0`, true},
		{`100`, `1e2`, true},
		{`-2.0`, `-2`, true},
		{`0`, `-0.0`, true},
		{`1.5`, `15e-1`, true},
		{`9007199254740992`, `9007199254740992.0`, true},
		{`9007199254740991`, `9007199254740992.0`, false},
		{`true`, `1`, false},
		{`false`, `0`, false},
		{`null`, `0`, false},
		{`""`, `null`, false},
		{`{"a":1,"b":[true]}`, `{ "b" : [ true ], "a" : 1.0 }`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`"\u00e4"`, `"ä"`, true},
		{`"\u00e4"`, `"a\u0308"`, false},
		{`{"a":false}`, `{"a":0}`, false},
		{`[1`, `[1]`, false},
	}
	for _, tt := range tests {
		if got := JSONEqual([]byte(tt.a), []byte(tt.b)); got != tt.equal {
			t.Errorf("JSONEqual(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.equal)
		}
	}
	c, err := JSONCanonical([]byte(` {"b": 1.50, "a": "x\/y"} `))
	if err != nil || c != `{"a":"x/y","b":15e-1}` {
		t.Errorf("JSONCanonical = %q, %v", c, err)
	}
	if !JSONEqualAny([]byte(`2.0`), "1e0", "2e0") || JSONEqualAny([]byte(`3`), "1e0", "2e0") {
		t.Error("JSONEqualAny")
	}
}

func TestJSONUniqueItems(t *testing.T) {
	items := []string{`1`, `{"a":1}`, `1.0`}
	err := JSONUniqueItems(len(items), func(dst []byte, i int) ([]byte, error) { return append(dst, items[i]...), nil })
	if err == nil || err.Error() != "[2]: duplicate of item 0 (uniqueItems)" {
		t.Errorf("got %v", err)
	}
	items = []string{`1`, `true`, `[1]`, `{"a":1}`, `{"a":true}`}
	if err := JSONUniqueItems(len(items), func(dst []byte, i int) ([]byte, error) { return append(dst, items[i]...), nil }); err != nil {
		t.Errorf("distinct items: %v", err)
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", "quote\" back\\ slash", "ctl \x00\x01\x1f \n\r\t\b\f", "ünï 😀", "bad \xff utf8", "sep \u2028 \u2029", "<a&b>"}
	for _, s := range strs {
		got := AppendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%q: %s does not decode: %v", s, got, err)
			continue
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q: round trip %q, encoding/json gives %q", s, back, wantBack)
		}
	}
	floats := []float64{0, 1, -1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, -0.000001234}
	for _, f := range floats {
		got, err := AppendJSONFloat(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(f)
		if string(got) != string(want) {
			t.Errorf("%v: got %s, encoding/json writes %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := AppendJSONFloat(nil, f); err == nil {
			t.Errorf("%v: no error", f)
		}
	}
}

func TestAppendJSONRaw(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{` { "a" : [ 1 , "x y" ] } `, `{"a":[1,"x y"]}`, ""},
		{``, `null`, ""},
		{`"a\" b"`, `"a\" b"`, ""},
		{`{"a":}`, "", "invalid JSON"},
		{`1 2`, "", "after the value"},
	}
	for _, tt := range tests {
		got, err := AppendJSONRaw(nil, []byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%q: got %s, %v", tt.in, got, err)
		}
	}
}

func TestAppendJSONTimes(t *testing.T) {
	tm := time.Date(2020, 7, 1, 12, 30, 5, 250_000_000, time.FixedZone("", -8*3600))
	got, err := AppendJSONDateTime(nil, tm)
	if err != nil || string(got) != `"2020-07-01T12:30:05.25-08:00"` {
		t.Errorf("date-time: %s %v", got, err)
	}
	got, err = AppendJSONDate(nil, tm)
	if err != nil || string(got) != `"2020-07-01"` {
		t.Errorf("date: %s %v", got, err)
	}
	if _, err := AppendJSONDateTime(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("year 10000: no error")
	}
	u, _ := ParseJSONUUID("2EB8AA08-AA98-11EA-B4AA-73B441D16380")
	if got := AppendJSONUUID(nil, u); string(got) != `"2eb8aa08-aa98-11ea-b4aa-73b441d16380"` {
		t.Errorf("uuid: %s", got)
	}
}

func TestCheckJSONFormat(t *testing.T) {
	tests := []struct {
		format, s string
		ok        bool
	}{
		{"date-time", "1963-06-19T08:30:06.283185Z", true},
		{"date-time", "1963-06-19t08:30:06z", true},
		{"date-time", "1998-12-31T15:59:60.123-08:00", true},
		{"date-time", "1998-12-31T23:58:60Z", false},
		{"date-time", "1990-02-31T15:59:59.123-08:00", false},
		{"date-time", "1990-12-31T15:59:59-24:00", false},
		{"date-time", "1985-04-12T23:20:50+01", false},
		{"date-time", "1985-04-12T23:20:50Z\n", false},
		{"date", "2020-02-29", true},
		{"date", "2021-02-29", false},
		{"date", "1963-06-1\u09ea", false},
		{"time", "08:30:06Z", true},
		{"time", "08:30:06", false},
		{"duration", "P4DT12H30M5S", true},
		{"duration", "P2W", true},
		{"duration", "P1Y2M", true},
		{"duration", "PT36H", true},
		{"duration", "P1Y2D", false},
		{"duration", "PT1H2S", false},
		{"duration", "P1WT1H", false},
		{"duration", "PT", false},
		{"duration", "P1YT", false},
		{"duration", "P2D1Y", false},
		{"duration", "PT0.5S", false},
		{"uuid", "2eb8aa08-AA98-11ea-B4Aa-73B441D16380", true},
		{"uuid", "urn:uuid:2eb8aa08-aa98-11ea-b4aa-73b441d16380", false},
		{"uuid", "2eb8aa08aa9811eab4aa73b441d16380", false},
		{"email", "joe.bloggs@example.com", true},
		{"email", "joe@[127.0.0.1]", true},
		{"email", ".joe@example.com", false},
		{"email", "joe..bloggs@example.com", false},
		{"email", "joe", false},
		{"hostname", "www.example.com", true},
		{"hostname", "-a.example.com", false},
		{"ipv4", "192.168.0.1", true},
		{"ipv4", "192.168.0.01", false},
		{"ipv6", "::1", true},
		{"ipv6", "1.2.3.4", false},
		{"uri", "https://example.com/a?b=c#d", true},
		{"uri", "/relative", false},
		{"uri", "http://exa mple.com", false},
		{"uri-reference", "/relative#frag", true},
		{"uri-reference", "\\\\WINDOWS\\fileshare", false},
		{"regex", "^a+$", true},
		{"regex", "(", false},
		{"json-pointer", "/a~1b/c~0", true},
		{"json-pointer", "/a~2", false},
		{"no-such-format", "anything", true},
	}
	for _, tt := range tests {
		err := CheckJSONFormat(tt.format, tt.s)
		if (err == nil) != tt.ok {
			t.Errorf("%s %q: error %v, want ok=%v", tt.format, tt.s, err, tt.ok)
		}
	}
	if !KnownJSONFormat("email") || KnownJSONFormat("no-such-format") {
		t.Error("KnownJSONFormat")
	}
}

func TestJSONMultipleOfAndSortedKeys(t *testing.T) {
	tests := []struct {
		v, m float64
		ok   bool
	}{{10, 2, true}, {7, 2, false}, {0.0075, 0.0001, true}, {0.00751, 0.0001, false}, {1e308, 0.5, true}, {4.5, 1.5, true}}
	for _, tt := range tests {
		if got := JSONMultipleOf(tt.v, tt.m); got != tt.ok {
			t.Errorf("JSONMultipleOf(%v, %v) = %v", tt.v, tt.m, got)
		}
	}
	keys := JSONSortedKeys(map[string]int{"b": 1, "a": 2, "c": 3})
	if strings.Join(keys, ",") != "a,b,c" {
		t.Errorf("JSONSortedKeys = %v", keys)
	}
}

func TestJSONCheckTypes(t *testing.T) {
	tests := []struct {
		raw     string
		types   []string
		wantErr string
	}{
		{`{"a":1}`, []string{"object"}, ""},
		{`{"a":1}`, nil, ""},
		{``, []string{"null", "object"}, ""},
		{``, []string{"object"}, "expected object, got null"},
		{`[1]`, []string{"null", "boolean", "number", "string", "object"}, "expected null or boolean or number or string or object, got an array"},
		{`1.0`, []string{"integer"}, ""},
		{`1e2`, []string{"integer"}, ""},
		{`1.5`, []string{"integer", "string"}, "expected integer or string, got the number 1.5"},
		{`1.5`, []string{"number"}, ""},
		{`{"a":}`, []string{"object"}, "invalid JSON"},
		{`1 2`, nil, "after the value"},
	}
	for _, tt := range tests {
		err := JSONCheckTypes([]byte(tt.raw), tt.types...)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("JSONCheckTypes(%q, %v) = %v, want %q", tt.raw, tt.types, err, tt.wantErr)
		}
	}
}

// FuzzJSONReader checks that reading arbitrary input never panics, that
// JSONCanonical accepts exactly what encoding/json accepts, and that a
// canonical text is a fixed point.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\u00e9",true,null]}`, `[`, `"\ud800"`, `1e999999999999`, `{"a":1,"a":2}`, `-0.0`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := JSONCanonical(data)
		if (err == nil) != json.Valid(data) {
			t.Fatalf("JSONCanonical(%q) error %v, json.Valid says %v", data, err, json.Valid(data))
		}
		if err == nil {
			if c2, err := JSONCanonical([]byte(c)); err != nil || c2 != c {
				t.Fatalf("canonical text %q is not a fixed point: %q, %v", c, c2, err)
			}
		}
		_ = JSONCheckTypes(data, "object", "integer")
		_, _ = JSONDiscriminator(data, "type")
		_, _ = AppendJSONRaw(nil, data)
	})
}

func TestJSONReaderNestedEscapedKeys(t *testing.T) {
	// The outer key must survive the reading of inner keys with escapes.
	r := NewJSONReader([]byte(`{"o\u0075ter": {"in\u006eer": {"d\u0065ep": 1}}}`))
	var got []string
	err := r.ReadObject(func(outer []byte) error {
		err := r.ReadObject(func(inner []byte) error {
			err := r.ReadObject(func(deep []byte) error {
				got = append(got, string(deep))
				return r.Skip()
			})
			got = append(got, string(inner))
			return err
		})
		got = append(got, string(outer))
		return err
	})
	if err != nil || strings.Join(got, ",") != "deep,inner,outer" {
		t.Errorf("got %v, %v", got, err)
	}
}
