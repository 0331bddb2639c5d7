package gen

import (
	"fmt"

	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

// UserOperator is one field of a generated pipeline's Operators struct: the
// spec operator whose user code it holds and the Go names Pipeline gives it.
// Tools that look at user code (streamgen check) use it to speak of Go
// types in the spec's terms.
type UserOperator struct {
	// Op is the spec operator.
	Op *spec.Operator
	// Field is the name of its field in Operators.
	Field string
	// Interface is the name of the interface the field has
	// (<Op>Operator, with a suffix when a schema type took that name).
	Interface string
	// Kind describes the operator as the generated comments do
	// ("filter", "tumbling 1m window, aggregate", "keyed process
	// function").
	Kind string
}

// Path is the operator's path in the spec with its kind, as check reports
// it: "operators.views (tumbling 1m window, aggregate)".
func (u UserOperator) Path() string {
	return fmt.Sprintf("operators.%s (%s)", u.Op.Name, u.Kind)
}

// UserOperators returns the fields of the Operators struct Pipeline
// generates for s, in the order of the struct. s must have passed
// s.Check(set); the names are exactly those of Pipeline with the same
// arguments.
func UserOperators(s *spec.Spec, set *schema.Schema, opts Options) ([]UserOperator, error) {
	if opts.Package == "" {
		return nil, fmt.Errorf("gen: Options.Package is required")
	}
	if s == nil || s.Streams() == nil {
		return nil, fmt.Errorf("gen: UserOperators needs a spec that passed (*spec.Spec).Check")
	}
	g, err := newPipelineGen(s, set, opts)
	if err != nil {
		return nil, err
	}
	out := make([]UserOperator, 0, len(g.ops))
	for _, o := range g.ops {
		out = append(out, UserOperator{Op: o.op, Field: o.field, Interface: o.iface, Kind: opKindText(o.op)})
	}
	return out, nil
}
