package server

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// serverStats are the counters srvr, stat and mntr report as ZooKeeper's
// ServerStats keeps them (its ServerMetrics are zkMetrics). srst resets
// them all, as ServerStats.reset does.
type serverStats struct {
	received    atomic.Int64 // packets received
	sent        atomic.Int64 // packets sent: replies, notifications, connect responses
	connections atomic.Int64 // connections accepted
	syncedTxns  atomic.Int64 // txns made durable by log syncs (Warren's zk_fsync_txns)

	mu       sync.Mutex
	latMin   time.Duration
	latMax   time.Duration
	latTotal time.Duration
	latCount int64

	// Sizes of the last, smallest and largest reply or notification, without
	// the length prefix (ZooKeeper's BufferStats), and how many there were.
	respLast, respMin, respMax int
	responses                  int64
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

// observeResponse records the size of a reply or notification frame
// (without its length prefix), as ServerCnxn.sendResponse does; connect
// responses and four-letter word text are not responses in this sense.
func (st *serverStats) observeResponse(frameLen int) {
	size := frameLen - 4
	st.mu.Lock()
	defer st.mu.Unlock()
	st.respLast = size
	if st.responses == 0 || size < st.respMin {
		st.respMin = size
	}
	if st.responses == 0 || size > st.respMax {
		st.respMax = size
	}
	st.responses++
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

// responseSizes returns the sizes observeResponse saw: the last, smallest
// and largest, each -1 before the first, as ZooKeeper reports them.
func (st *serverStats) responseSizes() (last, min, max int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.responses == 0 {
		return -1, -1, -1
	}
	return st.respLast, st.respMin, st.respMax
}

// reset is srst.
func (st *serverStats) reset() {
	for _, c := range []*atomic.Int64{&st.received, &st.sent, &st.syncedTxns} {
		c.Store(0)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.latMin, st.latMax, st.latTotal, st.latCount = 0, 0, 0, 0
	st.respLast, st.respMin, st.respMax, st.responses = 0, 0, 0, 0
}

// javaDouble formats an average as mntr does: rounded to four decimals and
// printed as Java prints a double ("0.0", "2.5", "2.5074").
func javaDouble(x float64) string {
	x = math.Round(x*10000) / 10000
	if x == math.Trunc(x) {
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}
