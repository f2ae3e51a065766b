package session

import (
	"container/heap"
	"slices"
	"sync"
	"time"
)

// Tracker tracks session deadlines in expiry buckets of tick width, like
// ZooKeeper's ExpiryQueue used by SessionTrackerImpl.
//
// A live session sits in exactly one bucket: the one at
// roundUp(lastTouch+timeout), where roundUp moves a time to the next multiple
// of tick strictly after it (ZooKeeper's roundToNextInterval). A session is
// therefore never expired before its timeout and at most one tick after it.
// Touching a session moves it to a later bucket; expiring pops whole buckets,
// so the work done by [Tracker.Expired] is proportional to the number of
// sessions it returns, not to the number tracked.
//
// A session is closing once it has been returned by Expired or passed to
// SetClosing. A closing session sits in no bucket: it is never touched or
// expired again, but it stays known (Len, Timeout) until Remove, which the
// owner calls when the closeSession txn is applied.
//
// Times are reduced to nanoseconds since the Unix epoch (the monotonic clock
// reading, if any, is dropped), so the owner must pass times from one clock.
// A Tracker is safe for concurrent use.
type Tracker struct {
	tick time.Duration

	mu       sync.Mutex
	sessions map[int64]*tracked
	// buckets maps a bucket's deadline (Unix nanoseconds) to its members. An
	// emptied bucket stays until it is popped, so that each bucket has
	// exactly one entry in deadlines for its whole life.
	buckets map[int64]map[int64]struct{}
	// deadlines is a min-heap of the keys of buckets.
	deadlines deadlineHeap
}

// tracked is one session's entry; bucket is meaningful only when !closing.
type tracked struct {
	timeout time.Duration
	bucket  int64
	closing bool
}

// NewTracker returns an empty Tracker whose buckets are tick wide.
// ZooKeeper uses its tickTime. It panics if tick is not positive, which is a
// configuration error the caller must reject first.
func NewTracker(tick time.Duration) *Tracker {
	if tick <= 0 {
		panic("session: NewTracker: tick must be positive")
	}
	return &Tracker{
		tick:     tick,
		sessions: make(map[int64]*tracked),
		buckets:  make(map[int64]map[int64]struct{}),
	}
}

// Add starts tracking session id with the given timeout, as if it had been
// touched at now. It is used both for new sessions and to re-add the sessions
// restored from a snapshot after a restart. If id is already tracked, its
// timeout is replaced and, unless it is closing, it is touched at now; a
// closing session stays closing.
func (t *Tracker) Add(id int64, timeout time.Duration, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[id]
	if !ok {
		s = &tracked{timeout: timeout}
		t.sessions[id] = s
		t.place(id, s, t.roundUp(now.Add(timeout)))
		return
	}
	s.timeout = timeout
	if !s.closing {
		t.move(id, s, t.roundUp(now.Add(timeout)))
	}
}

// Touch records activity on session id at now, moving its deadline to
// roundUp(now+timeout). It reports false, and does nothing, if the session is
// unknown or closing: the caller must then treat the session as gone.
func (t *Tracker) Touch(id int64, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[id]
	if !ok || s.closing {
		return false
	}
	t.move(id, s, t.roundUp(now.Add(s.timeout)))
	return true
}

// SetClosing marks session id as closing (a client's closeSession is under
// way): from now on it is neither touched nor returned by Expired. It does
// nothing if id is unknown.
func (t *Tracker) SetClosing(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[id]
	if !ok || s.closing {
		return
	}
	t.unplace(id, s)
	s.closing = true
}

// Reopen undoes SetClosing, for a closeSession that could not be carried
// out (its txn was never logged): the session is tracked again as if
// touched at now, so that it expires if its client stays away. It does
// nothing if id is unknown or not closing.
func (t *Tracker) Reopen(id int64, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[id]
	if !ok || !s.closing {
		return
	}
	s.closing = false
	t.place(id, s, t.roundUp(now.Add(s.timeout)))
}

// Remove forgets session id entirely. It does nothing if id is unknown.
func (t *Tracker) Remove(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[id]
	if !ok {
		return
	}
	if !s.closing {
		t.unplace(id, s)
	}
	delete(t.sessions, id)
}

// Timeout returns the timeout of session id, and false if it is unknown.
// Closing sessions are still known.
func (t *Tracker) Timeout(id int64) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[id]
	if !ok {
		return 0, false
	}
	return s.timeout, true
}

// Expired pops every bucket whose deadline is at or before now, marks its
// sessions closing and returns their ids: in deadline order, and in
// increasing id order within a bucket, so that runs are reproducible. The
// sessions stay known until Remove. It returns nil if nothing expired.
func (t *Tracker) Expired(now time.Time) []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	limit := now.UnixNano()
	var ids []int64
	for len(t.deadlines) > 0 && t.deadlines[0] <= limit {
		key := heap.Pop(&t.deadlines).(int64)
		members := t.buckets[key]
		delete(t.buckets, key)
		start := len(ids)
		for id := range members {
			t.sessions[id].closing = true
			ids = append(ids, id)
		}
		slices.Sort(ids[start:])
	}
	return ids
}

// NextExpiry returns the deadline of the earliest non-empty bucket, the time
// at which the owner should next call Expired, and false if no session can
// expire.
func (t *Tracker) NextExpiry() (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.deadlines) > 0 {
		key := t.deadlines[0]
		if len(t.buckets[key]) > 0 {
			return time.Unix(0, key), true
		}
		// An emptied bucket: drop it now rather than wake the owner for nothing.
		heap.Pop(&t.deadlines)
		delete(t.buckets, key)
	}
	return time.Time{}, false
}

// Len returns the number of sessions tracked, closing ones included.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.sessions)
}

// roundUp returns the first multiple of tick strictly after at, as Unix
// nanoseconds (ZooKeeper's ExpiryQueue.roundToNextInterval).
func (t *Tracker) roundUp(at time.Time) int64 {
	ns, tick := at.UnixNano(), int64(t.tick)
	q := ns / tick
	if ns%tick != 0 && ns < 0 {
		q-- // floor, not truncation, before the epoch
	}
	return (q + 1) * tick
}

// move puts a live session into bucket key. Lock held on entry.
func (t *Tracker) move(id int64, s *tracked, key int64) {
	if s.bucket == key {
		return
	}
	t.unplace(id, s)
	t.place(id, s, key)
}

// place adds a live session to bucket key, creating the bucket if needed.
// Lock held on entry.
func (t *Tracker) place(id int64, s *tracked, key int64) {
	members, ok := t.buckets[key]
	if !ok {
		members = make(map[int64]struct{})
		t.buckets[key] = members
		heap.Push(&t.deadlines, key)
	}
	members[id] = struct{}{}
	s.bucket = key
}

// unplace takes a live session out of its bucket, leaving the bucket (even
// empty) for Expired or NextExpiry to pop. Lock held on entry.
func (t *Tracker) unplace(id int64, s *tracked) {
	delete(t.buckets[s.bucket], id)
}

// deadlineHeap is a min-heap of bucket deadlines for container/heap.
type deadlineHeap []int64

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Buckets returns the sessions of every non-empty bucket by the bucket's
// deadline in Unix milliseconds: ZooKeeper's dump lists sessions so.
func (t *Tracker) Buckets() map[int64][]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[int64][]int64)
	for deadline, members := range t.buckets {
		for id := range members {
			out[deadline/int64(time.Millisecond)] = append(out[deadline/int64(time.Millisecond)], id)
		}
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}
