package spec

import (
	"fmt"
	"strings"
	"time"
)

// graphNode is a source, an operator or a sink, as drawn.
type graphNode struct {
	id    string // "source_x", "op_x", "sink_x"
	shape string // "source", "op", "sink"
	lines []string
}

// graphEdge is one stream flowing into one reader.
type graphEdge struct {
	from, to string
	label    string
	side     bool // a side or late output
}

// graph lays the pipeline out as nodes and edges: sources, operators (in
// the order of s.Operators, topological after Check) and sinks, then one
// edge per input. Inputs that name no stream are left out. Edge labels
// carry the stream's value type and key type when Check has resolved them.
func (s *Spec) graph() ([]graphNode, []graphEdge) {
	var nodes []graphNode
	for _, src := range s.Sources {
		var where string
		if src.TopicPattern != "" {
			where = "pattern: " + src.TopicPattern
		} else {
			where = "topics: " + strings.Join(src.Topics, ", ")
		}
		nodes = append(nodes, graphNode{id: "source_" + src.Name, shape: "source", lines: []string{"source " + src.Name, where}})
	}
	for _, op := range s.Operators {
		lines := []string{op.Name, describeOperator(op)}
		if op.Repartition {
			lines = append(lines, "repartition: "+RepartitionTopic(s.Name, op.Name))
		}
		nodes = append(nodes, graphNode{id: "op_" + op.Name, shape: "op", lines: lines})
	}
	for _, sk := range s.Sinks {
		nodes = append(nodes, graphNode{id: "sink_" + sk.Name, shape: "sink", lines: []string{"sink " + sk.Name, "topic: " + sk.Topic}})
	}

	// Producers of stream names.
	type prod struct {
		id   string
		side bool
	}
	prods := map[string]prod{}
	for _, src := range s.Sources {
		prods[src.Name] = prod{id: "source_" + src.Name}
	}
	for _, op := range s.Operators {
		if _, dup := prods[op.Name]; !dup {
			prods[op.Name] = prod{id: "op_" + op.Name}
		}
		if op.Process != nil {
			for _, so := range op.Process.SideOutputs {
				prods[op.Name+"."+so.Name] = prod{id: "op_" + op.Name, side: true}
			}
		}
		if op.Window != nil && op.Window.LateOutput != "" {
			if _, dup := prods[op.Window.LateOutput]; !dup {
				prods[op.Window.LateOutput] = prod{id: "op_" + op.Name, side: true}
			}
		}
	}
	label := func(name string, side bool) string {
		var b strings.Builder
		if side {
			b.WriteString(name)
		}
		if st, ok := s.streamByID[name]; ok && st.Type != nil {
			if side {
				b.WriteString(": ")
			}
			b.WriteString(st.Type.Name)
			if st.Key != nil {
				b.WriteString(" by " + st.Key.Name)
			}
		}
		return b.String()
	}
	var edges []graphEdge
	for _, op := range s.Operators {
		for i, in := range op.Inputs {
			if p, ok := prods[in]; ok {
				l := label(in, p.side)
				if op.Kind == KindJoin {
					l = [2]string{"left: ", "right: "}[i] + l
				}
				edges = append(edges, graphEdge{from: p.id, to: "op_" + op.Name, label: l, side: p.side})
			}
		}
	}
	for _, sk := range s.Sinks {
		if p, ok := prods[sk.Input]; ok {
			edges = append(edges, graphEdge{from: p.id, to: "sink_" + sk.Name, label: label(sk.Input, p.side), side: p.side})
		}
	}
	return nodes, edges
}

// describeOperator is the second line of an operator's box.
func describeOperator(op *Operator) string {
	switch op.Kind {
	case KindKeyBy:
		if op.KeyBy != nil {
			return "key_by " + op.KeyBy.Path
		}
	case KindWindow:
		w := op.Window
		var b strings.Builder
		switch w.Kind {
		case WindowTumbling:
			fmt.Fprintf(&b, "tumbling %s", shortDuration(w.Size))
		case WindowSliding:
			fmt.Fprintf(&b, "sliding %s every %s", shortDuration(w.Size), shortDuration(w.Slide))
		case WindowSession:
			fmt.Fprintf(&b, "session gap %s", shortDuration(w.Gap))
		}
		if w.Func != "" {
			b.WriteString(" " + string(w.Func))
		}
		if w.Emit == EmitOnClose {
			b.WriteString(", emit on close")
		}
		return b.String()
	case KindProcess:
		parts := []string{"process"}
		if op.Process != nil {
			if len(op.Process.State) > 0 {
				names := make([]string, len(op.Process.State))
				for i, st := range op.Process.State {
					names[i] = st.Name
				}
				parts = append(parts, "state: "+strings.Join(names, ", "))
			}
			if op.Process.Timers {
				parts = append(parts, "timers")
			}
		}
		return strings.Join(parts, "; ")
	case KindJoin:
		if op.Join != nil {
			d := string(op.Join.Type) + " temporal join"
			if w := op.Join.Within; w != nil {
				d = string(op.Join.Type) + " interval join within " + shortDuration(w.Before)
				if w.After != w.Before {
					d = fmt.Sprintf("%s interval join, right from %s before to %s after", op.Join.Type, shortDuration(w.Before), shortDuration(w.After))
				}
			}
			if op.Join.TableTTL > 0 {
				d += ", table ttl " + shortDuration(op.Join.TableTTL)
			}
			return d
		}
	}
	return string(op.Kind)
}

// shortDuration formats d without trailing zero units: 1m, 1h30m, 500ms.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Mermaid returns the pipeline as a Mermaid flowchart (left to right):
// sources as input shapes, operators as boxes, sinks as output shapes,
// and one arrow per stream and reader labelled with the stream's type and
// key; side and late outputs are dotted. The output is deterministic.
func (s *Spec) Mermaid() string {
	nodes, edges := s.graph()
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range nodes {
		text := mermaidText(strings.Join(n.lines, "\n"))
		switch n.shape {
		case "source":
			fmt.Fprintf(&b, "    %s[/\"%s\"/]\n", n.id, text)
		case "sink":
			fmt.Fprintf(&b, "    %s[\\\"%s\"\\]\n", n.id, text)
		default:
			fmt.Fprintf(&b, "    %s[\"%s\"]\n", n.id, text)
		}
	}
	for _, e := range edges {
		arrow := "-->"
		if e.side {
			arrow = "-.->"
		}
		if e.label == "" {
			fmt.Fprintf(&b, "    %s %s %s\n", e.from, arrow, e.to)
			continue
		}
		fmt.Fprintf(&b, "    %s %s|\"%s\"| %s\n", e.from, arrow, mermaidText(e.label), e.to)
	}
	return b.String()
}

// mermaidText escapes text for a quoted Mermaid label.
func mermaidText(s string) string {
	r := strings.NewReplacer("\"", "#quot;", "<", "#lt;", ">", "#gt;", "\n", "<br/>")
	return r.Replace(s)
}

// DOT returns the pipeline as a Graphviz digraph (left to right), drawn
// like Mermaid. The output is deterministic.
func (s *Spec) DOT() string {
	nodes, edges := s.graph()
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotString(s.Name))
	b.WriteString("\trankdir=LR;\n")
	b.WriteString("\tnode [fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("\tedge [fontname=\"Helvetica\", fontsize=9];\n")
	for _, n := range nodes {
		shape := "box"
		switch n.shape {
		case "source":
			shape = "invhouse"
		case "sink":
			shape = "house"
		}
		fmt.Fprintf(&b, "\t%s [shape=%s, label=%s];\n", dotString(n.id), shape, dotString(strings.Join(n.lines, "\n")))
	}
	for _, e := range edges {
		var attrs []string
		if e.label != "" {
			attrs = append(attrs, "label="+dotString(e.label))
		}
		if e.side {
			attrs = append(attrs, "style=dashed")
		}
		fmt.Fprintf(&b, "\t%s -> %s", dotString(e.from), dotString(e.to))
		if len(attrs) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString(";\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// dotString quotes s as a DOT string, with newlines as centred line
// breaks.
func dotString(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "\"", "\\\"", "\n", "\\n")
	return "\"" + r.Replace(s) + "\""
}
