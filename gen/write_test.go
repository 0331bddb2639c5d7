package gen

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func genFile(name, body string) File {
	return File{Name: name, Content: []byte("// " + Header + "\n\npackage p\n" + body)}
}

func TestWriteDirWritesOnlyChangesAndPrunesStale(t *testing.T) {
	dir := t.TempDir()
	handWritten := filepath.Join(dir, "hand.gen.go") // no header: never ours
	if err := os.WriteFile(handWritten, []byte("package p\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	first := []File{genFile("a.gen.go", "// a\n"), genFile("b.gen.go", "// b\n")}
	changed, err := WriteDir(dir, first)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.gen.go", "b.gen.go"}; !reflect.DeepEqual(changed, want) {
		t.Fatalf("first write changed %v, want %v", changed, want)
	}
	if changed, _ = WriteDir(dir, first); len(changed) != 0 {
		t.Fatalf("rewriting the same files changed %v, want nothing", changed)
	}
	second := []File{genFile("a.gen.go", "// a2\n")}
	changed, err = WriteDir(dir, second)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.gen.go", "b.gen.go"}; !reflect.DeepEqual(changed, want) {
		t.Fatalf("second write changed %v, want %v", changed, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.gen.go")); !os.IsNotExist(err) {
		t.Fatalf("stale b.gen.go still exists (err %v)", err)
	}
	if _, err := os.Stat(handWritten); err != nil {
		t.Fatalf("hand-written file was removed: %v", err)
	}
}

func TestDiffDir(t *testing.T) {
	dir := t.TempDir()
	files := []File{genFile("a.gen.go", "// one\n// two\n// three\n"), genFile("b.gen.go", "")}
	if _, err := WriteDir(dir, files); err != nil {
		t.Fatal(err)
	}
	if d, err := DiffDir(dir, files); err != nil || d != "" {
		t.Fatalf("up-to-date dir: diff %q, err %v", d, err)
	}
	d, err := DiffDir(dir, []File{genFile("a.gen.go", "// one\n// TWO\n// three\n")})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-// two", "+// TWO", "b.gen.go: stale generated file"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
}

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "x\ny\n", "x\ny\n", ""},
		{"change", "a\nb\nc\n", "a\nB\nc\n", "--- A\n+++ B\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"append", "a\n", "a\nb\n", "--- A\n+++ B\n@@ -1,1 +1,2 @@\n a\n+b\n"},
		{"from empty", "", "a\n", "--- A\n+++ B\n@@ -1,0 +1,1 @@\n+a\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := UnifiedDiff("A", "B", tc.a, tc.b); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestGoName(t *testing.T) {
	tests := map[string]string{
		"user_id": "UserID", "page-view": "PageView", "HTTPStatus": "HTTPStatus",
		"2fa": "X2fa", "url": "URL", "type": "Type", "": "X", "rev_t": "RevT", "camelCase": "CamelCase",
	}
	for in, want := range tests {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
	lower := map[string]string{"user_id": "userID", "type": "type_", "Map": "map_", "HTTPStatus": "httpStatus"}
	for in, want := range lower {
		if got := LowerName(in); got != want {
			t.Errorf("LowerName(%q) = %q, want %q", in, got, want)
		}
	}
	n := NewNamer("AppendAvro")
	if got := []string{n.Name("AppendAvro"), n.Name("X"), n.Name("X")}; !reflect.DeepEqual(got, []string{"AppendAvro2", "X", "X2"}) {
		t.Errorf("Namer gave %v", got)
	}
}
