package runtime

import (
	"bytes"
	"fmt"
	"math"
	"slices"
)

// TimeDomain says which clock a timer follows.
type TimeDomain byte

const (
	// EventTime timers fire when the task watermark reaches their time.
	EventTime TimeDomain = 'e'
	// ProcessingTime timers fire when the task's processing time reaches
	// their time.
	ProcessingTime TimeDomain = 'p'
)

func (d TimeDomain) String() string {
	switch d {
	case EventTime:
		return "event-time"
	case ProcessingTime:
		return "processing-time"
	}
	return fmt.Sprintf("TimeDomain(%d)", byte(d))
}

func (d TimeDomain) index() int {
	if d == ProcessingTime {
		return 1
	}
	return 0
}

// Timer is a fired timer as handed to a TimerHandler. Key and Namespace
// are only valid during the callback.
type Timer struct {
	Domain    TimeDomain
	Time      int64
	Key       []byte
	Namespace []byte
}

// TimerHandler receives the timers of one operator. The context carries
// the timer's key as current key and its time as timestamp.
type TimerHandler interface {
	OnTimer(c *Context, tm Timer) error
}

// TimerService registers and deletes the timers of one operator. Timers
// live in pebble (through the task's batch, so they are in the changelog);
// a timer is identified by (domain, time, operator, key, namespace), so
// registering the same one twice keeps one, as in Flink.
type TimerService struct {
	t    *Task
	name string
	op   []byte // len(name) name
	kbuf []byte
}

// RegisterTimerHandler attaches h to the operator named op and returns the
// service the operator uses to set timers. Operator names are unique per
// task and stable across restarts (they are part of stored timer keys).
//
// Timers of one time fire operator by operator in the reverse order of
// registration: a chain is built from its end (a node needs the node it
// pushes to), so an operator registers after every operator downstream
// of it, and fires before them. An operator downstream thus sees the
// results an upstream one emits at a time before its own timers of that
// time fire, as in Flink, where a watermark reaches an operator only
// after the operators before it have fired their timers.
func (t *Task) RegisterTimerHandler(op string, h TimerHandler) (*TimerService, error) {
	if op == "" || len(op) > 255 {
		return nil, fmt.Errorf("runtime: operator name %q must be 1 to 255 bytes", op)
	}
	if _, dup := t.handlers[op]; dup {
		return nil, fmt.Errorf("runtime: task %d: operator %q registered twice", t.id, op)
	}
	t.handlers[op] = h
	t.timerOrder = append([]string{op}, t.timerOrder...)
	for i, name := range t.timerOrder {
		t.timerRank[name] = i
	}
	return &TimerService{t: t, name: op, op: append([]byte{byte(len(op))}, op...)}, nil
}

func (s *TimerService) key(d TimeDomain, key, ns []byte, at int64) []byte {
	b := appendTaskPrefix(s.kbuf[:0], s.t.id)
	b = append(b, kindTimer, byte(d))
	b = appendOrderedInt64(b, at)
	b = append(b, s.op...)
	b = appendLenPrefixed(b, key)
	b = append(b, ns...)
	s.kbuf = b
	return b
}

func checkDomain(d TimeDomain) error {
	if d != EventTime && d != ProcessingTime {
		return fmt.Errorf("runtime: unknown time domain %d", byte(d))
	}
	return nil
}

// Register sets a timer for (key, ns) at time at.
func (s *TimerService) Register(d TimeDomain, key, ns []byte, at int64) error {
	if err := checkDomain(d); err != nil {
		return err
	}
	t := s.t
	if err := t.kvSet(s.key(d, key, ns, at), timerValue); err != nil {
		return err
	}
	q := &t.timerNext[d.index()]
	if at < *q {
		*q = at
	}
	if f := &t.firing; f.active && f.domain == d && at <= f.upTo {
		f.rescan = true
	}
	return nil
}

// Delete removes the timer for (key, ns) at time at, if any.
func (s *TimerService) Delete(d TimeDomain, key, ns []byte, at int64) error {
	if err := checkDomain(d); err != nil {
		return err
	}
	t := s.t
	k := s.key(d, key, ns, at)
	if t.firing.active {
		t.firing.deleted[string(k)] = struct{}{}
	}
	return t.kvDelete(k)
}

// firingState tracks a firing round so callbacks that register or delete
// due timers keep the order exact.
type firingState struct {
	active  bool
	domain  TimeDomain
	upTo    int64
	now     int64 // the time of the timer firing
	rescan  bool
	deleted map[string]struct{}
}

const timerChunk = 256

// timerValue is the stored value of a timer: one byte, so a timer's
// changelog record is never mistaken for a tombstone.
var timerValue = []byte{0}

// fireTimers fires every timer of domain d with time <= upTo, in time
// order, including timers that callbacks register for times <= upTo.
// Timers of one time fire operator by operator, upstream first
// (RegisterTimerHandler), and in key order within an operator.
func (t *Task) fireTimers(d TimeDomain, upTo int64) error {
	next := &t.timerNext[d.index()]
	if upTo < *next {
		return nil
	}
	lo := appendTaskPrefix(nil, t.id)
	lo = append(lo, kindTimer, byte(d))
	hi := prefixEnd(lo)
	// Fired timers leave tombstones until pebble compacts them, so scans
	// never start at the beginning of the domain: they seek to the lower
	// bound of the earliest timer, or just past the last fired key.
	seekTime := func() []byte {
		if *next == math.MinInt64 {
			return lo
		}
		return appendOrderedInt64(append([]byte(nil), lo...), *next)
	}
	start := seekTime()
	for {
		keys, arena, first, err := t.collectTimers(lo, start, hi, upTo)
		if err != nil {
			return fmt.Errorf("runtime: task %d: scanning %v timers: %w", t.id, d, err)
		}
		if len(keys) == 0 {
			*next = first
			return nil
		}
		// Every live timer is at or after the first one collected, or was
		// registered since (Register lowers next).
		at0 := readOrderedInt64(arena[keys[0][0]+len(lo):])
		*next = at0
		var rescan bool
		if last := timerTime(arena, keys[len(keys)-1], lo); len(keys) == timerChunk && first == last {
			// The chunk ends inside the timers of one time: leave them to
			// the next chunk, so they are ordered together, or, when the
			// whole chunk is that time, fire it operator by operator.
			k := len(keys)
			for k > 0 && timerTime(arena, keys[k-1], lo) == last {
				k--
			}
			if k == 0 {
				rescan, err = t.fireTime(d, upTo, lo, last)
				if err != nil {
					return err
				}
				if rescan {
					start = seekTime()
					continue
				}
				start = prefixEnd(appendOrderedInt64(append([]byte(nil), lo...), last))
				continue
			}
			keys = keys[:k]
		}
		end := arena[keys[len(keys)-1][0]:keys[len(keys)-1][1]]
		start = append(append(start[:0:0], end...), 0)
		t.orderByOperator(keys, arena, lo)
		rescan, err = t.fireChunk(d, upTo, lo, keys, arena)
		if err != nil {
			return err
		}
		if rescan {
			start = seekTime()
		}
	}
}

// collectTimers collects up to timerChunk timer keys in [start, hi) with
// time <= upTo into the task's reused buffers, and returns the time of
// the first key it left (math.MaxInt64 when none).
func (t *Task) collectTimers(lo, start, hi []byte, upTo int64) (keys [][2]int, arena []byte, first int64, err error) {
	keys, arena, first = t.fireKeys[:0], t.fireArena[:0], int64(math.MaxInt64)
	err = t.kvScan(start, hi, func(k, _ []byte) (bool, error) {
		if len(k) < len(lo)+8 {
			return false, errBadKey
		}
		at := readOrderedInt64(k[len(lo):])
		if at > upTo || len(keys) == timerChunk {
			first = at
			return false, nil
		}
		begin := len(arena)
		arena = append(arena, k...)
		keys = append(keys, [2]int{begin, len(arena)})
		return true, nil
	})
	t.fireKeys, t.fireArena = keys, arena
	return keys, arena, first, err
}

// timerTime is the time of the collected timer key span.
func timerTime(arena []byte, span [2]int, lo []byte) int64 {
	return readOrderedInt64(arena[span[0]+len(lo):])
}

// timerOp is the operator name of the collected timer key span.
func timerOp(arena []byte, span [2]int, lo []byte) []byte {
	k := arena[span[0]+len(lo)+8 : span[1]]
	if len(k) == 0 || len(k) < 1+int(k[0]) {
		return nil
	}
	return k[1 : 1+int(k[0])]
}

// orderByOperator reorders the collected timers (in key order: by time,
// then operator name) so that the timers of one time come operator by
// operator, upstream first; operators the task does not know (their
// timers are orphans) come last.
func (t *Task) orderByOperator(keys [][2]int, arena []byte, lo []byte) {
	if len(t.timerOrder) < 2 {
		return
	}
	rank := func(span [2]int) int {
		if r, ok := t.timerRank[string(timerOp(arena, span, lo))]; ok {
			return r
		}
		return len(t.timerOrder)
	}
	for i := 0; i < len(keys); {
		j, at, mixed := i+1, timerTime(arena, keys[i], lo), false
		op := timerOp(arena, keys[i], lo)
		for j < len(keys) && timerTime(arena, keys[j], lo) == at {
			if !mixed && !bytes.Equal(timerOp(arena, keys[j], lo), op) {
				mixed = true
			}
			j++
		}
		if mixed {
			slices.SortStableFunc(keys[i:j], func(a, b [2]int) int { return rank(a) - rank(b) })
		}
		i = j
	}
}

// fireTime fires the timers of time at, more than a chunk of them,
// operator by operator (upstream first), each operator's in key order,
// then any whose operator the task does not know. It reports a rescan as
// fireChunk does.
func (t *Task) fireTime(d TimeDomain, upTo int64, lo []byte, at int64) (bool, error) {
	timeLo := appendOrderedInt64(append([]byte(nil), lo...), at)
	ranges := make([][]byte, 0, len(t.timerOrder)+1)
	for _, op := range t.timerOrder {
		ranges = append(ranges, append(append(append([]byte(nil), timeLo...), byte(len(op))), op...))
	}
	ranges = append(ranges, timeLo) // what is left: orphans
	for _, rlo := range ranges {
		rhi := prefixEnd(rlo)
		start := rlo
		for {
			keys, arena, _, err := t.collectTimers(lo, start, rhi, upTo)
			if err != nil {
				return false, fmt.Errorf("runtime: task %d: scanning %v timers: %w", t.id, d, err)
			}
			if len(keys) == 0 {
				break
			}
			end := arena[keys[len(keys)-1][0]:keys[len(keys)-1][1]]
			start = append(append(start[:0:0], end...), 0)
			rescan, err := t.fireChunk(d, upTo, lo, keys, arena)
			if err != nil || rescan {
				return rescan, err
			}
		}
	}
	return false, nil
}

// fireChunk fires collected timers in order; it stops early, reporting
// rescan, when a callback registered a timer that is due in this round.
func (t *Task) fireChunk(d TimeDomain, upTo int64, lo []byte, keys [][2]int, arena []byte) (rescan bool, err error) {
	f := &t.firing
	f.active, f.domain, f.upTo, f.rescan = true, d, upTo, false
	clear(f.deleted)
	defer func() { f.active = false }()
	if err := t.prefetchTimers(d, lo, keys, arena); err != nil {
		return false, err
	}
	c := &t.ctx
	for _, span := range keys {
		k := arena[span[0]:span[1]]
		if _, gone := f.deleted[string(k)]; gone {
			continue
		}
		if err := t.kvDelete(k); err != nil {
			return false, err
		}
		tm, op, err := parseTimerKey(k, len(lo))
		if err != nil {
			return false, fmt.Errorf("runtime: task %d: %w", t.id, err)
		}
		tm.Domain = d
		h := t.handlers[string(op)]
		if h == nil {
			t.stats.OrphanTimers++
			continue
		}
		t.stats.TimersFired++
		c.reset()
		c.key, c.keyed, c.ts = tm.Key, true, tm.Time
		f.now = tm.Time
		if err := h.OnTimer(c, tm); err != nil {
			return false, err
		}
		c.reset()
		if f.rescan {
			return true, nil
		}
	}
	return false, nil
}

// timerPrefetcher is implemented by timer handlers that can load the
// state their timers are about to read in one ordered pass, instead of a
// point read per timer.
type timerPrefetcher interface {
	prefetch(tms []Timer) error
}

// prefetchTimers hands each prefetching handler the timers of the chunk it
// is about to fire.
func (t *Task) prefetchTimers(d TimeDomain, lo []byte, keys [][2]int, arena []byte) error {
	var groups []struct {
		p   timerPrefetcher
		tms []Timer
	}
	for _, span := range keys {
		tm, op, err := parseTimerKey(arena[span[0]:span[1]], len(lo))
		if err != nil {
			return fmt.Errorf("runtime: task %d: %w", t.id, err)
		}
		p, ok := t.handlers[string(op)].(timerPrefetcher)
		if !ok {
			continue
		}
		tm.Domain = d
		i := 0
		for i < len(groups) && groups[i].p != p {
			i++
		}
		if i == len(groups) {
			groups = append(groups, struct {
				p   timerPrefetcher
				tms []Timer
			}{p: p})
		}
		groups[i].tms = append(groups[i].tms, tm)
	}
	for _, g := range groups {
		if err := g.p.prefetch(g.tms); err != nil {
			return err
		}
	}
	return nil
}

// parseTimerKey splits a timer key after its domain prefix of length pre.
func parseTimerKey(k []byte, pre int) (Timer, []byte, error) {
	rest := k[pre:]
	if len(rest) < 9 {
		return Timer{}, nil, errBadKey
	}
	tm := Timer{Time: readOrderedInt64(rest)}
	rest = rest[8:]
	n := int(rest[0])
	if len(rest) < 1+n {
		return Timer{}, nil, errBadKey
	}
	op := rest[1 : 1+n]
	key, ns, err := readLenPrefixed(rest[1+n:])
	if err != nil {
		return Timer{}, nil, err
	}
	tm.Key, tm.Namespace = key, ns
	return tm, op, nil
}
