package server

import (
	"time"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/stats"
)

// Observer is told about events whose distribution matters to an operator
// (latencies, batch sizes), which a snapshot of counters cannot give. It
// lets a metrics package build histograms without core/server importing
// one. Calls come from the request path: an Observer must be quick and safe
// for concurrent use.
type Observer interface {
	// Track is called once, before the node recovers, with its counters
	// and summaries under ZooKeeper's ServerMetrics names, for an exporter
	// to read at every scrape.
	Track(reg *stats.Registry)
	// RequestDone reports a request answered (pings included), d after it
	// was read.
	RequestDone(op proto.Op, d time.Duration)
	// BatchSynced reports a group commit: txns appended and synced in d.
	BatchSynced(txns int, d time.Duration)
	// SnapshotWritten reports a snapshot streamed to storage in d.
	SnapshotWritten(d time.Duration)
}

// nopObserver is the Observer of a node configured without one.
type nopObserver struct{}

func (nopObserver) Track(*stats.Registry)               {}
func (nopObserver) RequestDone(proto.Op, time.Duration) {}
func (nopObserver) BatchSynced(int, time.Duration)      {}
func (nopObserver) SnapshotWritten(time.Duration)       {}

// observeRequest records a request's latency for srvr, mntr, cons and the
// Observer; zxid is the one its reply carries, failed is true for a write
// whose txn became an error txn (which ZooKeeper's cons shows as "NA"),
// write is true for a request that took a zxid (its latency is an
// updatelatency, the others' a readlatency, as in ServerStats).
func (s *Server) observeRequest(r *request, zxid int64, failed, write bool) {
	now := s.cfg.Now()
	d := now.Sub(r.start)
	s.stats.observeLatency(d)
	if write {
		s.zk.updateLatency.Add(millis(d))
	} else {
		s.zk.readLatency.Add(millis(d))
	}
	s.cfg.Observer.RequestDone(r.op, d)
	if r.conn != nil {
		op := lastOpNames[r.op]
		if failed || op == "" {
			op = "NA"
		}
		r.conn.stats.responded(op, r.xid, zxid, r.start, now)
	}
}
