package grpcprom

import (
	"strings"
	"sync"
	"sync/atomic"
)

// seriesMaps holds, per RPC type, the series of each method name. One map
// per type keeps the hot lookup a plain string hash.
type seriesMaps [numRPCTypes]map[string]*series

// seriesCache maps method names to their series. Reads are a lock-free
// lookup in an immutable map; the rare insert copies the map. It bounds the
// number of methods: names it will not keep are answered with the
// catch-all series and are never stored.
type seriesCache struct {
	r       *recorder
	m       atomic.Pointer[seriesMaps]
	mu      sync.Mutex
	methods map[string]struct{}
	limit   int
	// frozen is set by InitializeMetrics: from then on, only the methods
	// it registered get series of their own.
	frozen   bool
	catchAll [numRPCTypes]*series
}

func (c *seriesCache) init(r *recorder, limit int) {
	c.r = r
	c.limit = limit
	c.methods = map[string]struct{}{}
	var empty seriesMaps
	c.m.Store(&empty)
}

// get returns the series of fullMethod called as typ.
func (c *seriesCache) get(fullMethod string, typ rpcType) *series {
	if s, ok := c.m.Load()[typ][fullMethod]; ok {
		return s
	}
	return c.insert(fullMethod, typ, false)
}

// insert is get's slow path. With force it accepts a well-formed name
// past the limit or after freezing; InitializeMetrics uses that.
func (c *seriesCache) insert(fullMethod string, typ rpcType, force bool) *series {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if s, ok := old[typ][fullMethod]; ok {
		return s
	}
	_, _, ok := splitMethod(fullMethod)
	if ok && !force {
		_, known := c.methods[fullMethod]
		ok = known || (!c.frozen && len(c.methods) < c.limit)
	}
	if !ok {
		return c.unknownLocked(typ)
	}
	// Clone so that the cache does not pin a larger buffer the name was
	// sliced from.
	fullMethod = strings.Clone(fullMethod)
	service, method, _ := splitMethod(fullMethod)
	c.methods[fullMethod] = struct{}{}
	s := c.r.newSeries([]string{typ.String(), service, method})
	maps := *old
	m := make(map[string]*series, len(old[typ])+1)
	for k, v := range old[typ] {
		m[k] = v
	}
	m[fullMethod] = s
	maps[typ] = m
	c.m.Store(&maps)
	return s
}

// unknown returns the catch-all series of typ.
func (c *seriesCache) unknown(typ rpcType) *series {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unknownLocked(typ)
}

func (c *seriesCache) unknownLocked(typ rpcType) *series {
	if c.catchAll[typ] == nil {
		c.catchAll[typ] = c.r.newSeries([]string{typ.String(), unknownName, unknownName})
	}
	return c.catchAll[typ]
}

func (c *seriesCache) freeze() {
	c.mu.Lock()
	c.frozen = true
	c.mu.Unlock()
}
