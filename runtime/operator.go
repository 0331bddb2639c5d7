package runtime

import "fmt"

// Node is one typed stage of a task's operator chain. Push hands it one
// value; it runs the stage and pushes results to its downstream nodes
// before returning. Chains are built per task, so nodes may keep per-task
// buffers.
//
// Values travel by pointer: a record is a struct of a hundred bytes or
// more, and copying it into every call along the chain cost more than the
// calls themselves. *v is valid only during Push, and a node must neither
// keep v nor change *v: a fanout hands the same value to every consumer.
// A node that makes a new value keeps it in a field of its own (a local's
// address, passed through the Node interface, would escape to the heap).
type Node[T any] interface {
	Push(c *Context, v *T) error
}

// NodeFunc adapts a function to Node.
type NodeFunc[T any] func(c *Context, v *T) error

// Push implements Node.
func (f NodeFunc[T]) Push(c *Context, v *T) error { return f(c, v) }

// Emitter hands a user function's outputs to the next node.
type Emitter[T any] struct {
	c    *Context
	next Node[T]
	v    T // the value being emitted: Push gets its address
}

// Emit pushes v downstream with the current context.
func (e *Emitter[T]) Emit(v T) error {
	e.v = v
	return e.next.Push(e.c, &e.v)
}

type mapNode[IN, OUT any] struct {
	fn   func(c *Context, v *IN) (OUT, error)
	next Node[OUT]
	out  OUT
}

func (n *mapNode[IN, OUT]) Push(c *Context, v *IN) error {
	out, err := n.fn(c, v)
	if err != nil {
		return err
	}
	n.out = out
	return n.next.Push(c, &n.out)
}

// Map transforms each value with fn. fn must not keep v or change *v
// (see Node).
func Map[IN, OUT any](fn func(c *Context, v *IN) (OUT, error), next Node[OUT]) Node[IN] {
	return &mapNode[IN, OUT]{fn: fn, next: next}
}

type filterNode[T any] struct {
	fn   func(c *Context, v *T) (bool, error)
	next Node[T]
}

func (n *filterNode[T]) Push(c *Context, v *T) error {
	keep, err := n.fn(c, v)
	if err != nil || !keep {
		return err
	}
	return n.next.Push(c, v)
}

// Filter passes on the values for which fn returns true. fn must not
// keep v or change *v (see Node).
func Filter[T any](fn func(c *Context, v *T) (bool, error), next Node[T]) Node[T] {
	return &filterNode[T]{fn: fn, next: next}
}

type flatMapNode[IN, OUT any] struct {
	fn  func(c *Context, v *IN, out *Emitter[OUT]) error
	out Emitter[OUT]
}

func (n *flatMapNode[IN, OUT]) Push(c *Context, v *IN) error {
	n.out.c = c
	return n.fn(c, v, &n.out)
}

// FlatMap calls fn with each value; fn emits zero or more outputs. fn
// must not keep v or change *v (see Node).
func FlatMap[IN, OUT any](fn func(c *Context, v *IN, out *Emitter[OUT]) error, next Node[OUT]) Node[IN] {
	return &flatMapNode[IN, OUT]{fn: fn, out: Emitter[OUT]{next: next}}
}

type keyByNode[T, K any] struct {
	key   func(v *T) K
	codec Codec[K]
	buf   []byte
	next  Node[T]
}

func (n *keyByNode[T, K]) Push(c *Context, v *T) error {
	buf, err := n.codec.Append(n.buf[:0], n.key(v))
	n.buf = buf
	if err != nil {
		return fmt.Errorf("runtime: encoding key: %w", err)
	}
	prevKey, prevKeyed := c.key, c.keyed
	c.key, c.keyed, c.prev = buf, true, nil
	err = n.next.Push(c, v)
	c.key, c.keyed, c.prev = prevKey, prevKeyed, nil
	return err
}

// KeyBy makes key(v), encoded with codec, the current key for the
// downstream nodes. Keyed state and timers downstream are scoped to it.
// KeyBy does not move data between tasks: the input must be partitioned by
// this key (or go through a repartition topic first).
func KeyBy[T, K any](key func(v *T) K, codec Codec[K], next Node[T]) Node[T] {
	return &keyByNode[T, K]{key: key, codec: codec, next: next}
}

type unionNode[T any] struct{ next Node[T] }

func (n *unionNode[T]) Push(c *Context, v *T) error { return n.next.Push(c, v) }

// Union returns one node that several upstream chains push into: the
// union of their streams flows on to next, in arrival order.
func Union[T any](next Node[T]) Node[T] { return &unionNode[T]{next: next} }

type fanoutNode[T any] struct{ nexts []Node[T] }

func (n *fanoutNode[T]) Push(c *Context, v *T) error {
	for _, next := range n.nexts {
		if err := next.Push(c, v); err != nil {
			return err
		}
	}
	return nil
}

// Fanout pushes each value to every node in turn (a stream with several
// consumers).
func Fanout[T any](nexts ...Node[T]) Node[T] {
	if len(nexts) == 1 {
		return nexts[0]
	}
	return &fanoutNode[T]{nexts: nexts}
}

// Discard returns a node that drops every value.
func Discard[T any]() Node[T] { return NodeFunc[T](func(*Context, *T) error { return nil }) }

// OutputTag names a typed side output.
type OutputTag[T any] struct{ name string }

// NewOutputTag returns the side output tag called name.
func NewOutputTag[T any](name string) OutputTag[T] { return OutputTag[T]{name: name} }

// Name returns the tag's name.
func (o OutputTag[T]) Name() string { return o.name }

// Valid reports whether the tag has a name (the zero tag has none).
func (o OutputTag[T]) Valid() bool { return o.name != "" }

// sideRoute is a routed side output: the node its values go to, and the
// value being pushed (Push gets its address).
type sideRoute[T any] struct {
	next Node[T]
	v    T
}

// Emit sends v to the side output: to the node routed with
// RouteSideOutput, else to the task's unrouted side-output hook (the test
// driver collects them there), else nowhere.
func (o OutputTag[T]) Emit(c *Context, v T) error {
	t := c.task
	if n, ok := t.side[o.name]; ok {
		route, ok := n.(*sideRoute[T])
		if !ok {
			return fmt.Errorf("runtime: side output %q carries %T but is routed to %T", o.name, v, n)
		}
		route.v = v
		return route.next.Push(c, &route.v)
	}
	t.stats.SideOutputs++
	if t.onSide != nil {
		return t.onSide(c, o.name, v)
	}
	return nil
}

// RouteSideOutput sends the tag's values to next in this task.
func RouteSideOutput[T any](t *Task, tag OutputTag[T], next Node[T]) error {
	if !tag.Valid() {
		return fmt.Errorf("runtime: routing a side output without a name")
	}
	if _, dup := t.side[tag.name]; dup {
		return fmt.Errorf("runtime: task %d: side output %q routed twice", t.id, tag.name)
	}
	t.side[tag.name] = &sideRoute[T]{next: next}
	return nil
}

// ToSideOutput returns a node that emits every value to the tag.
func ToSideOutput[T any](tag OutputTag[T]) Node[T] {
	return NodeFunc[T](func(c *Context, v *T) error { return tag.Emit(c, *v) })
}

// ProcessFunction is a keyed process function (Flink
// KeyedProcessFunction): it sees each value with the context (key, time,
// timers) and emits any number of outputs; OnTimer runs when one of its
// timers fires, with the timer's key as current key.
//
// ProcessElement must not keep v or change *v (see Node).
type ProcessFunction[IN, OUT any] interface {
	ProcessElement(c *Context, v *IN, out *Emitter[OUT]) error
	OnTimer(c *Context, tm Timer, out *Emitter[OUT]) error
}

type processNode[IN, OUT any] struct {
	fn     ProcessFunction[IN, OUT]
	timers *TimerService
	out    Emitter[OUT]
}

func (n *processNode[IN, OUT]) Push(c *Context, v *IN) error {
	prev := c.timers
	c.timers = n.timers
	err := n.fn.ProcessElement(c, v, &n.out)
	c.timers = prev
	return err
}

func (n *processNode[IN, OUT]) OnTimer(c *Context, tm Timer) error {
	c.timers = n.timers
	err := n.fn.OnTimer(c, tm, &n.out)
	c.timers = nil
	return err
}

// NewProcess adds a process operator named name (unique in the task, stable
// across restarts) whose outputs go to next. The function's state handles
// are created separately with NewValueState and friends on the same task.
func NewProcess[IN, OUT any](t *Task, name string, fn ProcessFunction[IN, OUT], next Node[OUT]) (Node[IN], error) {
	n := &processNode[IN, OUT]{fn: fn, out: Emitter[OUT]{c: &t.ctx, next: next}}
	ts, err := t.RegisterTimerHandler(name, n)
	if err != nil {
		return nil, err
	}
	n.timers = ts
	return n, nil
}
