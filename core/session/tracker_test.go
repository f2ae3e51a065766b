package session

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// t0 is a bucket boundary for every tick used below.
var t0 = time.Unix(1_800_000_000, 0)

func at(d time.Duration) time.Time { return t0.Add(d) }

// step is one operation on a Tracker and, where it returns something, what
// it must return.
type step struct {
	op      string // add, touch, closing, remove, expired, next, len, timeout
	id      int64
	timeout time.Duration
	at      time.Duration // offset from t0
	ok      bool          // touch, next, timeout
	ids     []int64       // expired
	when    time.Duration // next: offset of the expected deadline
	n       int           // len
}

func run(t *testing.T, tr *Tracker, steps []step) {
	t.Helper()
	for i, s := range steps {
		switch s.op {
		case "add":
			tr.Add(s.id, s.timeout, at(s.at))
		case "touch":
			if got := tr.Touch(s.id, at(s.at)); got != s.ok {
				t.Fatalf("step %d: Touch(%d, +%v) = %v, want %v", i, s.id, s.at, got, s.ok)
			}
		case "closing":
			tr.SetClosing(s.id)
		case "reopen":
			tr.Reopen(s.id, at(s.at))
		case "remove":
			tr.Remove(s.id)
		case "expired":
			if got := tr.Expired(at(s.at)); !slices.Equal(got, s.ids) {
				t.Fatalf("step %d: Expired(+%v) = %v, want %v", i, s.at, got, s.ids)
			}
		case "next":
			got, ok := tr.NextExpiry()
			if ok != s.ok || (ok && !got.Equal(at(s.when))) {
				t.Fatalf("step %d: NextExpiry() = +%v, %v; want +%v, %v", i, got.Sub(t0), ok, s.when, s.ok)
			}
		case "len":
			if got := tr.Len(); got != s.n {
				t.Fatalf("step %d: Len() = %d, want %d", i, got, s.n)
			}
		case "timeout":
			got, ok := tr.Timeout(s.id)
			if ok != s.ok || got != s.timeout {
				t.Fatalf("step %d: Timeout(%d) = %v, %v; want %v, %v", i, s.id, got, ok, s.timeout, s.ok)
			}
		default:
			t.Fatalf("step %d: unknown op %q", i, s.op)
		}
	}
}

func TestTracker(t *testing.T) {
	const tick = 100 * time.Millisecond
	ms := time.Millisecond
	tests := []struct {
		name  string
		steps []step
	}{
		{"empty", []step{
			{op: "next", ok: false},
			{op: "expired", at: time.Hour},
			{op: "len", n: 0},
		}},
		{"deadline rounds to the next tick, strictly after", []step{
			{op: "add", id: 1, timeout: 1000 * ms},        // 1000 is on a boundary → 1100
			{op: "add", id: 2, timeout: 1050 * ms},        // → 1100
			{op: "add", id: 3, timeout: 1100 * ms},        // → 1200
			{op: "add", id: 4, timeout: 2000 * ms, at: 1}, // 2000ms+1ns → 2100
			{op: "next", ok: true, when: 1100 * ms},
			{op: "expired", at: 1000 * ms},
			{op: "expired", at: 1099 * ms},
			{op: "expired", at: 1100 * ms, ids: []int64{1, 2}},
			{op: "next", ok: true, when: 1200 * ms},
			{op: "expired", at: 5000 * ms, ids: []int64{3, 4}}, // several buckets at once, in deadline order
			{op: "next", ok: false},
			{op: "len", n: 4}, // expired sessions stay known until Remove
		}},
		{"ids sorted within a bucket", []step{
			{op: "add", id: 30, timeout: 1000 * ms},
			{op: "add", id: -5, timeout: 1000 * ms},
			{op: "add", id: 7, timeout: 1000 * ms},
			{op: "expired", at: 1100 * ms, ids: []int64{-5, 7, 30}},
		}},
		{"touch moves to a later bucket", []step{
			{op: "add", id: 1, timeout: 1000 * ms},
			{op: "add", id: 2, timeout: 1000 * ms},
			{op: "touch", id: 1, at: 500 * ms, ok: true}, // → 1600
			{op: "next", ok: true, when: 1100 * ms},
			{op: "expired", at: 1100 * ms, ids: []int64{2}},
			{op: "next", ok: true, when: 1600 * ms},
			{op: "touch", id: 1, at: 1550 * ms, ok: true}, // → 2600
			{op: "expired", at: 1600 * ms},
			{op: "expired", at: 2600 * ms, ids: []int64{1}},
		}},
		{"touch within the same bucket is a no-op", []step{
			{op: "add", id: 1, timeout: 1000 * ms},
			{op: "touch", id: 1, at: 50 * ms, ok: true}, // 1050 → still 1100
			{op: "next", ok: true, when: 1100 * ms},
			{op: "expired", at: 1100 * ms, ids: []int64{1}},
		}},
		{"touch of unknown, expired, closing, removed", []step{
			{op: "touch", id: 9, ok: false},
			{op: "add", id: 1, timeout: 1000 * ms},
			{op: "add", id: 2, timeout: 5000 * ms},
			{op: "expired", at: 1100 * ms, ids: []int64{1}},
			{op: "touch", id: 1, at: 1100 * ms, ok: false}, // expired ⇒ closing
			{op: "closing", id: 2},
			{op: "touch", id: 2, at: 1100 * ms, ok: false},
			{op: "expired", at: time.Hour}, // a closing session never expires again
			{op: "remove", id: 2},
			{op: "touch", id: 2, ok: false},
			{op: "len", n: 1},
		}},
		{"reopen tracks a closing or expired session again", []step{
			{op: "add", id: 1, timeout: 1000 * ms},
			{op: "add", id: 2, timeout: 1000 * ms},
			{op: "closing", id: 1},
			{op: "expired", at: 1100 * ms, ids: []int64{2}},
			{op: "reopen", id: 1, at: 1100 * ms}, // → 2200
			{op: "reopen", id: 2, at: 1200 * ms}, // → 2300
			{op: "reopen", id: 2, at: 5000 * ms}, // not closing: no-op
			{op: "reopen", id: 9},                // unknown: no-op
			{op: "touch", id: 1, at: 1150 * ms, ok: true},
			{op: "next", ok: true, when: 2200 * ms},
			{op: "expired", at: 2300 * ms, ids: []int64{1, 2}},
		}},
		{"closing empties the bucket", []step{
			{op: "add", id: 1, timeout: 1000 * ms},
			{op: "add", id: 2, timeout: 3000 * ms},
			{op: "closing", id: 1},
			{op: "next", ok: true, when: 3100 * ms}, // the emptied 1100 bucket is skipped
			{op: "closing", id: 2},
			{op: "next", ok: false},
			{op: "closing", id: 99}, // unknown: no-op
			{op: "len", n: 2},
		}},
		{"remove live and closing", []step{
			{op: "add", id: 1, timeout: 1000 * ms},
			{op: "add", id: 2, timeout: 1000 * ms},
			{op: "remove", id: 1},
			{op: "remove", id: 99},
			{op: "timeout", id: 1, ok: false},
			{op: "expired", at: 1100 * ms, ids: []int64{2}},
			{op: "timeout", id: 2, timeout: 1000 * ms, ok: true},
			{op: "remove", id: 2},
			{op: "len", n: 0},
			{op: "next", ok: false},
		}},
		{"re-add replaces the timeout", []step{
			{op: "add", id: 1, timeout: 1000 * ms},
			{op: "add", id: 1, timeout: 4000 * ms, at: 200 * ms}, // → 4300
			{op: "timeout", id: 1, timeout: 4000 * ms, ok: true},
			{op: "next", ok: true, when: 4300 * ms},
			{op: "touch", id: 1, at: 1000 * ms, ok: true}, // uses the new timeout → 5100
			{op: "expired", at: 4300 * ms},
			{op: "expired", at: 5100 * ms, ids: []int64{1}},
			{op: "add", id: 1, timeout: 1000 * ms, at: 5100 * ms}, // closing stays closing
			{op: "touch", id: 1, at: 5100 * ms, ok: false},
			{op: "expired", at: time.Hour},
			{op: "len", n: 1},
		}},
		{"a bucket emptied and refilled keeps one deadline", []step{
			{op: "add", id: 1, timeout: 1000 * ms},
			{op: "touch", id: 1, at: 300 * ms, ok: true}, // 1100 emptied, → 1400
			{op: "add", id: 2, timeout: 1000 * ms},       // 1100 refilled
			{op: "expired", at: 1100 * ms, ids: []int64{2}},
			{op: "expired", at: 1100 * ms},
			{op: "expired", at: 1400 * ms, ids: []int64{1}},
			{op: "next", ok: false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, NewTracker(tick), tt.steps)
		})
	}
}

// TestTrackerDeadlineBounds checks, over a seeded random workload, that a
// session is expired no earlier than timeout after its last touch and no
// later than one tick after that (given Expired is called every tick).
func TestTrackerDeadlineBounds(t *testing.T) {
	const tick = 50 * time.Millisecond
	rng := rand.New(rand.NewPCG(1, 2))
	tr := NewTracker(tick)
	last := make(map[int64]time.Time)
	timeout := make(map[int64]time.Duration)
	now := t0
	for id := range int64(200) {
		timeout[id] = time.Duration(1+rng.IntN(40)) * 37 * time.Millisecond
		tr.Add(id, timeout[id], now)
		last[id] = now
	}
	for now.Before(t0.Add(10 * time.Second)) {
		now = now.Add(time.Duration(1+rng.IntN(int(tick))) * time.Nanosecond)
		for range 5 {
			id := rng.Int64N(200)
			if _, live := last[id]; live && tr.Touch(id, now) {
				last[id] = now
			}
		}
		for _, id := range tr.Expired(now) {
			deadline := last[id].Add(timeout[id])
			if now.Before(deadline) {
				t.Fatalf("session %d expired at +%v, before its deadline +%v", id, now.Sub(t0), deadline.Sub(t0))
			}
			if now.Sub(deadline) > 2*tick { // one tick of rounding, up to one tick between calls
				t.Fatalf("session %d expired at +%v, long after its deadline +%v", id, now.Sub(t0), deadline.Sub(t0))
			}
			delete(last, id)
		}
	}
}

func TestTrackerConcurrent(t *testing.T) {
	tr := NewTracker(10 * time.Millisecond)
	var wg sync.WaitGroup
	for w := range int64(4) {
		wg.Go(func() {
			for i := range int64(1000) {
				id := w<<32 | i
				now := at(time.Duration(i) * time.Millisecond)
				tr.Add(id, 50*time.Millisecond, now)
				tr.Touch(id, now)
				tr.Expired(now)
				tr.NextExpiry()
				if i%3 == 0 {
					tr.SetClosing(id)
				}
				if i%5 == 0 {
					tr.Remove(id)
				}
			}
		})
	}
	wg.Wait()
	tr.Expired(at(time.Hour))
	if _, ok := tr.NextExpiry(); ok {
		t.Error("sessions left to expire after the end of time")
	}
}

func TestNewTrackerBadTick(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewTracker(0) did not panic")
		}
	}()
	NewTracker(0)
}

// BenchmarkExpired measures one tick of expiry work when `idle` sessions sit
// far in the future and 10 sessions expire per tick. ns/op should not grow
// with idle: expiry is O(expired), not O(sessions).
func BenchmarkExpired(b *testing.B) {
	const tick = 100 * time.Millisecond
	for _, idle := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("idle=%d", idle), func(b *testing.B) {
			tr := NewTracker(tick)
			for id := range int64(idle) {
				tr.Add(-1-id, 24*time.Hour, t0)
			}
			now := t0
			next := int64(0)
			b.ResetTimer()
			for b.Loop() {
				for range 10 {
					tr.Add(next, tick, now)
					next++
				}
				now = now.Add(2 * tick)
				ids := tr.Expired(now)
				if len(ids) != 10 {
					b.Fatalf("expired %d, want 10", len(ids))
				}
				for _, id := range ids {
					tr.Remove(id)
				}
			}
		})
	}
}

// BenchmarkTouch measures a ping's cost with 100k sessions tracked.
func BenchmarkTouch(b *testing.B) {
	const n = 100_000
	tr := NewTracker(100 * time.Millisecond)
	for id := range int64(n) {
		tr.Add(id, 10*time.Second, t0)
	}
	now := t0
	i := int64(0)
	for b.Loop() {
		now = now.Add(time.Microsecond)
		tr.Touch(i%n, now)
		i++
	}
}
