package runtime

import (
	"fmt"
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// The write-back cache keeps decoded values of hot keys in front of the
// indexed batch. It is per task (tasks are single-threaded, so no locks),
// bounded in entries by the task's share of the store's budget
// (StoreOptions.CacheEntries), and evicts like CLOCK, an approximation of
// least recently used that costs a hit one flag write instead of a move
// in the list (whose neighbours are cache misses of their own): entries
// queue in the order they were added, the oldest goes first, and one hit
// (or added) since it last reached the end of the queue goes round again
// instead. A dirty evicted entry is encoded into the batch, so eviction
// never loses a write.
// Nothing in the cache reaches the DB before it is committed: Prepare
// flushes dirty entries into the commit batch, Committed keeps that batch
// as pending, and a checkpoint applies it (checkpoint.go). An
// entry whose committed value waits for a checkpoint is unpersisted, and
// evicting it checkpoints first. A cleared entry leaves the cache once its
// deletion is in pebble (persisted), or at once if nothing was stored.

// cached is one typed cache entry.
type cached interface {
	node() *lruNode
	// flush writes the entry's value, or a tombstone, into the batch.
	flush(t *Task) error
}

// lruNode is the intrusive list node every entry embeds.
type lruNode struct {
	prev, next *lruNode
	key        string
	hash       uint64
	dirty      bool
	// ref: hit, or added, since an eviction last passed the entry
	// over. An eviction gives such an entry a second chance (CLOCK).
	ref    bool
	listed bool // in lruCache.dirty
	// unpersisted: the entry's committed value waits in one of the task's
	// pending commit batches for a checkpoint (checkpoint.go).
	unpersisted bool
	// absent: the indexed batch and pebble are known to hold no value for
	// the key, so a checkpoint need not write its deletion.
	absent bool
	// cleared: the value was deleted (a window's contents after it
	// closed, a cleared ValueState). Once its deletion has reached pebble,
	// the entry holds nothing pebble does not, and it leaves the cache
	// (drop) instead of taking a place until evicted.
	cleared bool
	// prep is the offset of the entry's write in the commit batch being
	// prepared, and pend where its last committed write waits for the
	// checkpoint (while unpersisted).
	prep     uint32
	prepared bool // flushed by the commit being prepared
	pend     pendRef
	self     cached
	// sibling is the entry looked up right after this one for the same
	// record, the last time: a hint (getVia) for the next record of the
	// key. A session set's entry keeps its latest session's contents; a
	// window accumulator's, the key's entry in the next window operator.
	// Cleared when the entry leaves the cache, so evicted entries do not
	// keep each other alive.
	sibling *lruNode
	// inline holds a short key's bytes (key points into it), so checking
	// a lookup's key reads memory next to the entry's, not another
	// allocation.
	inline [inlineKeyLen]byte
}

// inlineKeyLen is the longest key an entry stores inline: a state key of
// a short state name, an 8-byte namespace and a user key up to about 40
// bytes.
const inlineKeyLen = 64

// CacheStats counts cache activity of one task.
type CacheStats struct {
	// Misses counts lookups the cache could not answer. A miss reads the
	// indexed batch and pebble unless the key is known to have no value
	// (a window's first element for the key, a new session's contents).
	Hits, Misses, Evictions, DirtyEvictions uint64
	// StoreReads counts point reads of the indexed batch and pebble: the
	// misses that had to read, and the reads of map and list state (with
	// or without a cache).
	StoreReads uint64
	Entries    int
}

type lruCache struct {
	// limit is the most entries the cache may hold: the task's share of
	// the store's budget, which changes as tasks open and close.
	limit *atomic.Int64
	n     int
	// slots index the entries by a hash of their key: an open-addressing
	// table with linear probing, a power of two in size and at most half
	// full, so a lookup usually reads one slot (hash and entry side by
	// side) before the entry.
	slots []slot
	seed  maphash.Seed
	mask  uint64  // all ones; tests clear bits to force collisions
	head  lruNode // sentinel: head.next is the newest entry, head.prev the next to consider for eviction
	// dirty lists the entries made dirty since the last flushAll (some
	// may be clean or evicted since), so a flush need not walk the cache.
	dirty []*lruNode
	// flushed lists the entries the commit being prepared flushed.
	flushed []*lruNode
	// unpersisted lists the entries flushed by commits since the last
	// checkpoint.
	unpersisted []*lruNode
	stats       CacheStats
}

// bound returns the most entries the cache may hold now.
func (c *lruCache) bound() int { return int(c.limit.Load()) }

// setDirty sets n's dirty flag, listing it for the next flushAll.
func (c *lruCache) setDirty(n *lruNode, dirty bool) {
	n.dirty = dirty
	if dirty && !n.listed {
		n.listed = true
		c.dirty = append(c.dirty, n)
	}
}

// slot is one position of the cache's index; n is nil when it is free.
type slot struct {
	hash uint64
	n    *lruNode
}

// newLRU returns an empty cache bounded by *limit.
func newLRU(limit *atomic.Int64) *lruCache {
	c := &lruCache{limit: limit, slots: make([]slot, 64), seed: maphash.MakeSeed(), mask: ^uint64(0)}
	c.head.next, c.head.prev = &c.head, &c.head
	return c
}

func (c *lruCache) unlink(n *lruNode) {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.prev, n.next = nil, nil
}

func (c *lruCache) pushFront(n *lruNode) {
	n.prev = &c.head
	n.next = c.head.next
	c.head.next.prev = n
	c.head.next = n
}

// find returns the entry for key, or nil, without counting a hit.
func (c *lruCache) find(key []byte) cached {
	h := maphash.Bytes(c.seed, key) & c.mask
	m := uint64(len(c.slots) - 1)
	for i := h & m; ; i = (i + 1) & m {
		s := &c.slots[i]
		if s.n == nil {
			return nil
		}
		if s.hash == h && s.n.key == string(key) {
			return s.n.self
		}
	}
}

// index adds n to the index (its hash set, its key not indexed yet),
// doubling the table first when it would be more than half full (it
// grows with the entries, not to the bound at once).
func (c *lruCache) index(n *lruNode) {
	if 2*(c.n+1) > len(c.slots) {
		old := c.slots
		c.slots = make([]slot, 2*len(old))
		c.n = 0
		for _, s := range old {
			if s.n != nil {
				c.index(s.n)
			}
		}
	}
	m := uint64(len(c.slots) - 1)
	i := n.hash & m
	for c.slots[i].n != nil {
		i = (i + 1) & m
	}
	c.slots[i] = slot{hash: n.hash, n: n}
	c.n++
}

// unindex removes n's entry from the index, shifting back the entries
// after it in its probe run that would no longer be found past the gap.
func (c *lruCache) unindex(n *lruNode) {
	m := uint64(len(c.slots) - 1)
	i := n.hash & m
	for c.slots[i].n != n {
		i = (i + 1) & m
	}
	for j := (i + 1) & m; c.slots[j].n != nil; j = (j + 1) & m {
		// The entry at j stays if its home position is in (i, j]
		// (cyclically): it is found without crossing the gap at i.
		home := c.slots[j].hash & m
		if (i < j && i < home && home <= j) || (i > j && (i < home || home <= j)) {
			continue
		}
		c.slots[i] = c.slots[j]
		i = j
	}
	c.slots[i] = slot{}
	c.n--
}

// get returns the entry for key and marks it referenced (a hit).
func (c *lruCache) get(key []byte) cached {
	e := c.find(key)
	if e == nil {
		c.stats.Misses++
		return nil
	}
	c.hit(e.node())
	return e
}

// getVia is get when *hint may already point at key's entry: the entry
// of another lookup's value remembered from the last time (an entry's
// sibling). A hint that is still cached under key answers without hashing
// or probing the index. The entry found, or nil, becomes the hint. A nil
// hint is get.
func (c *lruCache) getVia(hint **lruNode, key []byte) cached {
	if hint == nil {
		return c.get(key)
	}
	if n := *hint; n != nil && n.self != nil && n.key == string(key) {
		c.hit(n)
		return n.self
	}
	e := c.get(key)
	*hint = nil
	if e != nil {
		*hint = e.node()
	}
	return e
}

// hit counts a hit on n and marks it referenced, so an eviction passes
// it over once.
func (c *lruCache) hit(n *lruNode) {
	c.stats.Hits++
	n.ref = true
}

// addVia is add that makes e's entry the hint (getVia); a nil hint is
// add.
func (c *lruCache) addVia(hint **lruNode, t *Task, key []byte, e cached) error {
	if hint != nil {
		*hint = e.node()
	}
	return c.add(t, key, e)
}

// add inserts an entry that is not in the cache, evicting entries beyond
// the bound. The new entry starts referenced, so the eviction it causes
// takes another entry.
func (c *lruCache) add(t *Task, key []byte, e cached) error {
	n := e.node()
	if len(key) <= len(n.inline) {
		copy(n.inline[:], key)
		n.key = unsafeString(n.inline[:len(key)])
	} else {
		n.key = string(key)
	}
	n.hash = maphash.String(c.seed, n.key) & c.mask
	n.self, n.ref = e, true
	if n.dirty {
		c.setDirty(n, true)
	}
	c.index(n)
	c.pushFront(n)
	for c.n > c.bound() {
		victim := c.head.prev
		if victim.ref {
			victim.ref = false
			c.unlink(victim)
			c.pushFront(victim)
			continue
		}
		if victim.unpersisted {
			// Its committed value must reach pebble before the
			// cache forgets it. The checkpoint drops the cleared
			// entries it persists, perhaps this one: look again.
			if err := t.checkpoint(); err != nil {
				return err
			}
			if victim.self != nil && victim.unpersisted {
				return fmt.Errorf("runtime: task %d: a checkpoint left cache entry %q unpersisted", t.id, victim.key)
			}
			continue
		}
		if victim.dirty {
			c.stats.DirtyEvictions++
			if err := victim.self.flush(t); err != nil {
				return err
			}
			victim.dirty = false
		}
		c.stats.Evictions++
		c.unlink(victim)
		c.unindex(victim)
		victim.self, victim.sibling = nil, nil
	}
	return nil
}

// isNewer reports whether key is cached with a value pebble and the
// indexed batch do not have yet: dirty, flushed by the commit being
// prepared, or committed but unpersisted.
func (c *lruCache) isNewer(key []byte) bool {
	e := c.find(key)
	return e != nil && e.node().newer()
}

func (n *lruNode) newer() bool { return n.dirty || n.prepared || n.unpersisted }

// newerWithPrefix calls fn with every cached entry under prefix whose
// value pebble and the indexed batch may not have (isNewer; an entry may
// come more than once). It walks the lists of such entries, not the whole
// cache.
func (c *lruCache) newerWithPrefix(prefix []byte, fn func(n *lruNode)) {
	for _, list := range [3][]*lruNode{c.dirty, c.flushed, c.unpersisted} {
		for _, n := range list {
			if n.self != nil && n.newer() && strings.HasPrefix(n.key, string(prefix)) {
				fn(n)
			}
		}
	}
}

// committed marks the entries the committed commit flushed unpersisted,
// their writes in pending batch idx.
func (c *lruCache) committed(idx int32) {
	for i, n := range c.flushed {
		prefetchNodeAt(c.flushed, i)
		n.pend, n.prepared = pendRef{batch: idx, off: n.prep}, false
		if !n.unpersisted {
			n.unpersisted = true
			c.unpersisted = append(c.unpersisted, n)
		}
		c.flushed[i] = nil
	}
	c.flushed = c.flushed[:0]
}

// persisted clears the unpersisted marks after a checkpoint, and drops
// the cleared entries whose deletion it wrote.
func (c *lruCache) persisted() {
	for i, n := range c.unpersisted {
		prefetchNodeAt(c.unpersisted, i)
		n.unpersisted = false
		if n.cleared && !n.dirty && !n.prepared && n.self != nil {
			c.drop(n)
		}
	}
	clear(c.unpersisted)
	c.unpersisted = c.unpersisted[:0]
}

// remove drops key from the cache without flushing it.
func (c *lruCache) remove(key []byte) {
	if e := c.find(key); e != nil {
		c.drop(e.node())
	}
}

// drop takes n out of the cache without flushing it.
func (c *lruCache) drop(n *lruNode) {
	c.unlink(n)
	c.unindex(n)
	n.self, n.sibling = nil, nil
}

// flushAll writes every dirty entry into the commit batch (Prepare calls
// it), in the order they first became dirty; entries stay cached and
// clean, and once the commit is committed, unpersisted until the next
// checkpoint.
func (c *lruCache) flushAll(t *Task) error {
	for i, n := range c.dirty {
		prefetchNodeAt(c.dirty, i)
		if n.dirty && n.self != nil {
			n.prep = uint32(t.commit.Len())
			if err := n.self.flush(t); err != nil {
				c.dirty = c.dirty[i:]
				return err
			}
			n.dirty, n.prepared = false, true
			c.flushed = append(c.flushed, n)
		}
		n.listed = false
		c.dirty[i] = nil
	}
	c.dirty = c.dirty[:0]
	return nil
}

// reset drops every entry, dirty or not.
func (c *lruCache) reset() {
	for n := c.head.next; n != &c.head; {
		next := n.next
		n.prev, n.next, n.self, n.sibling = nil, nil, nil, nil
		n.unpersisted = false
		n = next
	}
	clear(c.slots)
	c.n = 0
	clear(c.unpersisted)
	c.unpersisted = c.unpersisted[:0]
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	for _, n := range c.flushed {
		n.prepared = false
	}
	clear(c.flushed)
	c.flushed = c.flushed[:0]
	c.head.next, c.head.prev = &c.head, &c.head
}

func (c *lruCache) snapshot() CacheStats {
	s := c.stats
	s.Entries = c.n
	return s
}
