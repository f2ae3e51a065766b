package plugins

import (
	"sync"
	"time"
)

// Bounds of an answer cache.
const (
	cacheEntries = 8192 // past this the cache starts over
	cacheKeyMax  = 4096 // longer keys are not cached
)

// answerCache keeps a plugin's yes/no answers for a while. It is consulted
// under the node's locks, so it only ever takes its own short mutex.
type answerCache struct {
	ttl time.Duration // 0: answers never expire

	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	v       bool
	expires time.Time
}

func newAnswerCache(ttl time.Duration) *answerCache {
	return &answerCache{ttl: ttl, m: map[string]cached{}}
}

func (c *answerCache) get(key string) (v, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return false, false
	}
	if c.ttl > 0 && time.Now().After(e.expires) {
		delete(c.m, key)
		return false, false
	}
	return e.v, true
}

func (c *answerCache) put(key string, v bool) {
	if len(key) > cacheKeyMax {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= cacheEntries {
		clear(c.m)
	}
	c.m[key] = cached{v: v, expires: time.Now().Add(c.ttl)}
}

func (c *answerCache) reset() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
