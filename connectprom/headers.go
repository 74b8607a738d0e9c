package connectprom

import (
	"context"
	"net/http"
	"net/textproto"
	"sync"
	"sync/atomic"
)

// headerSource serves extra-label values from HTTP headers, connect's
// metadata. A map is pointer-shaped, so passing one as a core.LabelSource
// does not allocate.
type headerSource http.Header

// LabelValue returns the first value of the header key, which the core
// passes in lower case, as WithLabelsFromMetadata stores it. gRPC metadata
// keys are HTTP/2 header names, so the same option reads the same value
// from a grpc-go or a connect-go peer.
func (h headerSource) LabelValue(_ context.Context, key string) string {
	vs := h[canonicalKey(key)]
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// canonicalKeys caches the canonical spelling of header keys. The keys come
// from the collectors' options, never from requests, so the cache stays
// small; lookups are a plain map read, without the allocation of
// textproto.CanonicalMIMEHeaderKey.
var canonicalKeys struct {
	m  atomic.Pointer[map[string]string]
	mu sync.Mutex
}

func canonicalKey(key string) string {
	if m := canonicalKeys.m.Load(); m != nil {
		if c, ok := (*m)[key]; ok {
			return c
		}
	}
	canonicalKeys.mu.Lock()
	defer canonicalKeys.mu.Unlock()
	old := canonicalKeys.m.Load()
	m := make(map[string]string, 1)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	c := textproto.CanonicalMIMEHeaderKey(key)
	m[key] = c
	canonicalKeys.m.Store(&m)
	return c
}
