package session

import (
	"testing"
	"time"
)

func TestIDLayout(t *testing.T) {
	now := time.UnixMilli(0x0e363d) // the uptime seen in the captures
	g := NewIDGenerator(1, now)
	// ZooKeeper 3.8.0 gave its first session 0x0100000e363d0000 at that clock.
	for i, want := range []int64{0x0100000e363d0000, 0x0100000e363d0001, 0x0100000e363d0002} {
		if got := g.Next(); got != want {
			t.Errorf("id %d = %#x, want %#x", i, got, want)
		}
	}
}

func TestIDServerByte(t *testing.T) {
	now := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
	for _, sid := range []int64{0, 1, 127, 128, MaxServerID} {
		id := NewIDGenerator(sid, now).Next()
		if got := int64(uint64(id) >> 56); got != sid {
			t.Errorf("server %d: top byte of %#x = %d", sid, id, got)
		}
		if id&0xffff != 0 {
			t.Errorf("server %d: first id %#x has a non-zero counter", sid, id)
		}
	}
}

func TestIDBadServer(t *testing.T) {
	for _, sid := range []int64{-1, 255, 1 << 40} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewIDGenerator(%d) did not panic", sid)
				}
			}()
			NewIDGenerator(sid, time.Now())
		}()
	}
}

// TestIDUniqueAcrossRestarts models a server that creates many sessions, is
// restarted one millisecond later and creates more: no id repeats, because a
// millisecond is worth 65536 ids.
func TestIDUniqueAcrossRestarts(t *testing.T) {
	start := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
	first := NewIDGenerator(3, start)
	second := NewIDGenerator(3, start.Add(time.Millisecond))
	other := NewIDGenerator(4, start) // another server, same instant
	seen := make(map[int64]string)
	for range 1 << 16 {
		for name, g := range map[string]*IDGenerator{"first": first, "second": second, "other": other} {
			id := g.Next()
			if prev, dup := seen[id]; dup {
				t.Fatalf("%s generator repeated %#x from %s", name, id, prev)
			}
			seen[id] = name
		}
	}
}

func TestIDSkipsReserved(t *testing.T) {
	// Server 0 at the epoch would start at 0; server 128 at the epoch at the
	// container owner marker. Neither may be handed out.
	if id := NewIDGenerator(0, time.UnixMilli(0)).Next(); id != 1 {
		t.Errorf("server 0 at epoch: first id %#x, want 1", id)
	}
	if id := NewIDGenerator(128, time.UnixMilli(0)).Next(); id == containerOwner {
		t.Errorf("server 128 at epoch handed out the container owner marker")
	}
}

func TestIDConcurrent(t *testing.T) {
	g := NewIDGenerator(1, time.Now())
	const workers, each = 8, 1000
	results := make(chan []int64, workers)
	for range workers {
		go func() {
			ids := make([]int64, each)
			for i := range ids {
				ids[i] = g.Next()
			}
			results <- ids
		}()
	}
	seen := make(map[int64]bool)
	for range workers {
		for _, id := range <-results {
			if seen[id] {
				t.Fatalf("duplicate id %#x", id)
			}
			seen[id] = true
		}
	}
}
