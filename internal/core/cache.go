package core

import (
	"strings"
	"sync"
	"sync/atomic"
)

// entryMaps holds, per RPC type, the entry of each method name. One map
// per type keeps the hot lookup a plain string hash.
type entryMaps [NumTypes]map[string]*methodEntry

// seriesCache maps method names to their entries. Reads are a lock-free
// lookup in an immutable map; the rare insert copies the map. It bounds the
// number of methods: names it will not keep are answered with the
// catch-all entry and are never stored.
type seriesCache struct {
	r       *Recorder
	m       atomic.Pointer[entryMaps]
	mu      sync.Mutex
	methods map[string]struct{}
	limit   int
	// frozen is set by Freeze: from then on, only the methods already
	// known get series of their own.
	frozen   bool
	catchAll [NumTypes]*methodEntry
}

func (c *seriesCache) init(r *Recorder, limit int) {
	c.r = r
	c.limit = limit
	c.methods = map[string]struct{}{}
	c.m.Store(&entryMaps{})
}

// each calls f with every series of the cache: the methods', the
// catch-all's, and every combination of extra-label values.
func (c *seriesCache) each(f func(*series)) {
	visit := func(e *methodEntry) {
		if e.skip {
			return
		}
		if e.plain != nil {
			f(e.plain)
			return
		}
		e.mu.RLock()
		list := make([]*series, 0, len(e.byExtra))
		for _, s := range e.byExtra {
			list = append(list, s)
		}
		e.mu.RUnlock()
		for _, s := range list {
			f(s)
		}
	}
	for _, m := range c.m.Load() {
		for _, e := range m {
			visit(e)
		}
	}
	c.mu.Lock()
	catchAll := c.catchAll
	c.mu.Unlock()
	for _, e := range catchAll {
		if e != nil {
			visit(e)
		}
	}
}

// get returns the entry of fullMethod called as typ.
func (c *seriesCache) get(fullMethod string, typ RPCType) *methodEntry {
	if e, ok := c.m.Load()[typ][fullMethod]; ok {
		return e
	}
	return c.insert(fullMethod, typ, false)
}

// insert is get's slow path. With force it accepts a well-formed name
// past the limit or after freezing; InitializeMethod uses that.
func (c *seriesCache) insert(fullMethod string, typ RPCType, force bool) *methodEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if e, ok := old[typ][fullMethod]; ok {
		return e
	}
	service, method, ok := SplitMethod(fullMethod)
	// A caller can name the catch-all itself; it must not get a second
	// series with the catch-all's labels.
	if service == UnknownName && method == UnknownName {
		ok = false
	}
	skip := ok && !c.r.records(fullMethod)
	if ok && !force {
		_, known := c.methods[fullMethod]
		ok = known || (!c.frozen && len(c.methods) < c.limit)
	}
	switch {
	case skip && !ok:
		// Past the limit the filter runs again on the next call, but
		// nothing grows.
		return skipped
	case !ok:
		return c.unknownLocked(typ)
	}
	// Clone so that the cache does not pin a larger buffer the name was
	// sliced from.
	fullMethod = strings.Clone(fullMethod)
	c.methods[fullMethod] = struct{}{}
	e := skipped
	if !skip {
		service, method, _ = SplitMethod(fullMethod)
		e = c.r.newEntry(typ, []string{TypeValues[c.r.values][typ], service, method})
	}
	maps := *old
	m := make(map[string]*methodEntry, len(old[typ])+1)
	for k, v := range old[typ] {
		m[k] = v
	}
	m[fullMethod] = e
	maps[typ] = m
	c.m.Store(&maps)
	return e
}

// unknown returns the catch-all entry of typ.
func (c *seriesCache) unknown(typ RPCType) *methodEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unknownLocked(typ)
}

func (c *seriesCache) unknownLocked(typ RPCType) *methodEntry {
	if c.catchAll[typ] == nil {
		c.catchAll[typ] = c.r.newEntry(typ, []string{TypeValues[c.r.values][typ], UnknownName, UnknownName})
	}
	return c.catchAll[typ]
}

func (c *seriesCache) freeze() {
	c.mu.Lock()
	c.frozen = true
	c.mu.Unlock()
}

// skipped is the entry of every method a filter excludes: it has no
// series, and RPCs to it record nothing.
var skipped = &methodEntry{skip: true}

// records reports whether the filters let fullMethod be recorded.
func (r *Recorder) records(fullMethod string) bool {
	for _, f := range r.cfg.Filters {
		if !f(fullMethod) {
			return false
		}
	}
	return true
}

// methodEntry holds the series of one method and type: a single one, or,
// with extra labels, one per combination of their values.
type methodEntry struct {
	skip   bool
	r      *Recorder
	typ    RPCType
	values []string
	plain  *series

	mu      sync.RWMutex
	byExtra map[string]*series
}

func (r *Recorder) newEntry(typ RPCType, values []string) *methodEntry {
	e := &methodEntry{r: r, typ: typ, values: values}
	if len(r.extra) == 0 {
		e.plain = r.newSeries(typ, values)
	} else {
		e.byExtra = map[string]*series{}
	}
	return e
}

// withExtra returns the series for the extra label values vals, which
// admission has already bounded.
func (e *methodEntry) withExtra(vals []string) *series {
	// Sanitized values are valid UTF-8, which never contains 0xff.
	var buf [256]byte
	k := buf[:0]
	for _, v := range vals {
		k = append(append(k, v...), 0xff)
	}
	e.mu.RLock()
	s, ok := e.byExtra[string(k)]
	e.mu.RUnlock()
	if ok {
		return s
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.byExtra[string(k)]; ok {
		return s
	}
	s = e.r.newSeries(e.typ, append(append(make([]string, 0, len(e.values)+len(vals)), e.values...), vals...))
	e.byExtra[string(k)] = s
	return s
}

// initialize creates the entry's series at zero, all codes included. With
// extra labels, it does so for the combination of empty values, the one
// RPCs without those labels get.
func (e *methodEntry) initialize() {
	if e.skip {
		return
	}
	if e.plain != nil {
		e.plain.initialize()
		return
	}
	vals := make([]string, len(e.r.extra))
	for i := range e.r.extra {
		vals[i] = e.r.extra[i].seen.admit("", e.r.cfg.LabelValueLimit)
	}
	e.withExtra(vals).initialize()
}
