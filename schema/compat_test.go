package schema

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCompatibility(t *testing.T) {
	tests := []struct {
		in   string
		want Compatibility
	}{
		{"NONE", None},
		{"backward", Backward},
		{"BACKWARD_TRANSITIVE", BackwardTransitive},
		{"backward-transitive", BackwardTransitive},
		{"Forward", Forward},
		{"forward_transitive", ForwardTransitive},
		{"FULL", Full},
		{" full_transitive ", FullTransitive},
	}
	for _, tt := range tests {
		got, err := ParseCompatibility(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseCompatibility(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if again, err := ParseCompatibility(got.String()); err != nil || again != got {
			t.Errorf("ParseCompatibility(%q.String()) = %v, %v", got, again, err)
		}
	}
	for _, bad := range []string{"", "sideways", "FULLTRANSITIVE"} {
		if _, err := ParseCompatibility(bad); err == nil {
			t.Errorf("ParseCompatibility(%q) succeeded, want an error", bad)
		}
	}
	if s := Compatibility(42).String(); s != "Compatibility(42)" {
		t.Errorf("String of an unknown level = %q", s)
	}
}

func TestCheckCompatibility(t *testing.T) {
	parse := func(name, src string) *Type {
		set, err := ParseAvro(Source{Name: name, Data: []byte(src)})
		if err != nil {
			t.Fatal(err)
		}
		return set.Roots[0]
	}
	v1 := parse("v1.avsc", rec("Click", fld("id", `"long"`)))
	v2 := parse("v2.avsc", rec("Click", fld("id", `"long"`), fldDef("country", `"string"`, `"US"`)))
	previous := []*Type{v1, v2}

	// addsRequired adds a field without a default that v2 has but v1
	// lacks: readable from v2, not from v1.
	addsRequired := parse("cand.avsc", rec("Click", fld("id", `"long"`), fld("country", `"string"`), fldDef("page", `"string"`, `""`)))
	// dropsID removes a field v1 and v2 need: old readers cannot read it.
	dropsID := parse("cand.avsc", rec("Click", fldDef("country", `"string"`, `"US"`)))
	// narrows makes id an int: it cannot read old data, old readers can
	// read its data.
	narrows := parse("cand.avsc", rec("Click", fld("id", `"int"`), fldDef("country", `"string"`, `"US"`)))

	const (
		noCountry1 = "cannot read version 1 (v1.avsc): com.acme.Click.fields(country): reader field has no default and writer lacks it"
		noID1      = "version 1 (v1.avsc) cannot read the candidate: com.acme.Click.fields(id): reader field has no default and writer lacks it"
		noID2      = "version 2 (v2.avsc) cannot read the candidate: com.acme.Click.fields(id): reader field has no default and writer lacks it"
		narrow1    = "cannot read version 1 (v1.avsc): com.acme.Click.fields(id).type: reader type int cannot read writer type long"
		narrow2    = "cannot read version 2 (v2.avsc): com.acme.Click.fields(id).type: reader type int cannot read writer type long"
	)
	tests := []struct {
		level     Compatibility
		candidate *Type
		want      []string // the lines of the error, without the level prefix
	}{
		{None, dropsID, nil},
		{Backward, addsRequired, nil},
		{BackwardTransitive, addsRequired, []string{noCountry1}},
		{Forward, addsRequired, nil},
		{ForwardTransitive, addsRequired, nil},
		{Full, addsRequired, nil},
		{FullTransitive, addsRequired, []string{noCountry1}},
		{Backward, dropsID, nil},
		{Forward, dropsID, []string{noID2}},
		{ForwardTransitive, dropsID, []string{noID1, noID2}},
		{Full, dropsID, []string{noID2}},
		{Backward, narrows, []string{narrow2}},
		{BackwardTransitive, narrows, []string{narrow1, narrow2}},
		{Forward, narrows, nil},
		{FullTransitive, narrows, []string{narrow1, narrow2}},
	}
	for _, tt := range tests {
		err := CheckCompatibility(tt.level, tt.candidate, previous)
		var want []string
		for _, w := range tt.want {
			want = append(want, tt.level.String()+": "+w)
		}
		if len(want) == 0 {
			if err != nil {
				t.Errorf("%v: unexpected error:\n%v", tt.level, err)
			}
			continue
		}
		var ce *CompatError
		if !errors.As(err, &ce) {
			t.Errorf("%v: got %v, want a *CompatError", tt.level, err)
			continue
		}
		if got := err.Error(); got != strings.Join(want, "\n") {
			t.Errorf("%v: error\n%s\nwant\n%s", tt.level, got, strings.Join(want, "\n"))
		}
		if ce.Level != tt.level || len(ce.Problems) != len(want) {
			t.Errorf("%v: CompatError has level %v and %d problems", tt.level, ce.Level, len(ce.Problems))
		}
	}
}

func TestCheckCompatibilityEdges(t *testing.T) {
	v1 := MustParseAvroString(rec("Click", fld("id", `"long"`)))
	cand := MustParseAvroString(rec("Click", fld("id", `"string"`)))
	tests := []struct {
		name     string
		level    Compatibility
		cand     *Type
		previous []*Type
		wantErr  string
	}{
		{"no previous versions", FullTransitive, cand, nil, ""},
		{"none ignores everything", None, cand, []*Type{v1}, ""},
		{"unknown level", Compatibility(99), cand, []*Type{v1}, "unknown compatibility level 99"},
		{"nil candidate", Backward, nil, []*Type{v1}, "no candidate schema"},
		{"nil previous", BackwardTransitive, cand, []*Type{nil, v1}, "previous version 1 is missing"},
		{"file unknown", Backward, cand, []*Type{v1}, "BACKWARD: cannot read version 1: com.acme.Click.fields(id).type: reader type string cannot read writer type long"},
	}
	for _, tt := range tests {
		err := CheckCompatibility(tt.level, tt.cand, tt.previous)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tt.wantErr) || (tt.wantErr == "") != (err == nil) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.wantErr)
		}
	}
}
