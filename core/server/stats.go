package server

import (
	"sync"
	"sync/atomic"
	"time"
)

// serverStats are the counters srvr, stat and mntr report (ServerStats).
type serverStats struct {
	received    atomic.Int64 // packets received
	connections atomic.Int64 // connections accepted
	expired     atomic.Int64 // sessions expired

	mu         sync.Mutex
	latMin     time.Duration
	latMax     time.Duration
	latTotal   time.Duration
	latCount   int64
	syncs      int64 // log syncs
	syncedTxns int64 // txns covered by those syncs
	syncTotal  time.Duration
}

func (st *serverStats) observeLatency(d time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.latCount == 0 || d < st.latMin {
		st.latMin = d
	}
	if d > st.latMax {
		st.latMax = d
	}
	st.latTotal += d
	st.latCount++
}

func (st *serverStats) observeSync(d time.Duration, txns int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.syncs++
	st.syncedTxns += int64(txns)
	st.syncTotal += d
}

// latency returns min, average and max request latency in milliseconds.
func (st *serverStats) latency() (minMs int64, avgMs float64, maxMs int64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.latCount == 0 {
		return 0, 0, 0
	}
	return st.latMin.Milliseconds(), float64(st.latTotal.Microseconds()) / 1000 / float64(st.latCount), st.latMax.Milliseconds()
}

// reset is srst.
func (st *serverStats) reset() {
	st.received.Store(0)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.latMin, st.latMax, st.latTotal, st.latCount = 0, 0, 0, 0
}
