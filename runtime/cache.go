package runtime

// The write-back cache keeps decoded values of hot keys in front of the
// indexed batch. It is per task (tasks are single-threaded, so no locks),
// bounded in entries, and evicts the least recently used entry; a dirty
// evicted entry is encoded into the batch, so eviction never loses a write.
// Nothing in the cache reaches the DB before Prepare flushes it into the
// batch and Committed applies the batch.

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
	dirty      bool
	listed     bool // in lruCache.dirty
	self       cached
}

// CacheStats counts cache activity of one task.
type CacheStats struct {
	Hits, Misses, Evictions, DirtyEvictions uint64
	Entries                                 int
}

type lruCache struct {
	max  int
	m    map[string]cached
	head lruNode // sentinel: head.next is the most recent entry
	// dirty lists the entries made dirty since the last flushAll (some
	// may be clean or evicted since), so a flush need not walk the cache.
	dirty []*lruNode
	stats CacheStats
}

// setDirty sets n's dirty flag, listing it for the next flushAll.
func (c *lruCache) setDirty(n *lruNode, dirty bool) {
	n.dirty = dirty
	if dirty && !n.listed {
		n.listed = true
		c.dirty = append(c.dirty, n)
	}
}

func newLRU(max int) *lruCache {
	c := &lruCache{max: max, m: make(map[string]cached)}
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

// get returns the entry for key and marks it most recently used.
func (c *lruCache) get(key []byte) cached {
	e, ok := c.m[string(key)]
	if !ok {
		c.stats.Misses++
		return nil
	}
	c.stats.Hits++
	n := e.node()
	if c.head.next != n {
		c.unlink(n)
		c.pushFront(n)
	}
	return e
}

// add inserts an entry that is not in the cache, evicting the least
// recently used entries beyond the bound.
func (c *lruCache) add(t *Task, key []byte, e cached) error {
	n := e.node()
	n.key = string(key)
	n.self = e
	if n.dirty {
		c.setDirty(n, true)
	}
	c.m[n.key] = e
	c.pushFront(n)
	for len(c.m) > c.max {
		victim := c.head.prev
		if victim.dirty {
			c.stats.DirtyEvictions++
			if err := victim.self.flush(t); err != nil {
				return err
			}
			victim.dirty = false
		}
		c.stats.Evictions++
		c.unlink(victim)
		delete(c.m, victim.key)
		victim.self = nil
	}
	return nil
}

// remove drops key from the cache without flushing it.
func (c *lruCache) remove(key []byte) {
	e, ok := c.m[string(key)]
	if !ok {
		return
	}
	n := e.node()
	c.unlink(n)
	delete(c.m, n.key)
	n.self = nil
}

// flushAll writes every dirty entry into the batch, in the order they
// first became dirty; entries stay cached, clean.
func (c *lruCache) flushAll(t *Task) error {
	for i, n := range c.dirty {
		if n.dirty && n.self != nil {
			if err := n.self.flush(t); err != nil {
				c.dirty = c.dirty[i:]
				return err
			}
			n.dirty = false
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
		n.prev, n.next, n.self = nil, nil, nil
		n = next
	}
	clear(c.m)
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	c.head.next, c.head.prev = &c.head, &c.head
}

func (c *lruCache) snapshot() CacheStats {
	s := c.stats
	s.Entries = len(c.m)
	return s
}
