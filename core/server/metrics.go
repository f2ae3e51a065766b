package server

import "time"

// Metrics is a read-only reading of the gauges mntr reports, and Warren's
// own counters, taken at once so that related values agree. A metrics
// exporter reads it at every scrape, and ZooKeeper's ServerMetrics from
// Stats; core/server stays free of any metrics library.
type Metrics struct {
	Version     string
	ServerState string // "standalone"

	// Gauges, as ZooKeeperServer.registerMetrics registers them.
	EphemeralsCount     int
	AliveConnections    int
	OutstandingRequests int
	ZnodeCount          int
	GlobalSessions      int
	LocalSessions       int
	WatchCount          int
	ApproximateDataSize int64
	OpenFileDescriptors int   // -1 where unknown
	MaxFileDescriptors  int64 // -1 where unknown
	Uptime              time.Duration
	PacketsSent         int64
	PacketsReceived     int64
	AvgLatencyMs        float64
	MinLatencyMs        int64
	MaxLatencyMs        int64
	LastClientResponse  int // bytes; -1 before the first
	MinClientResponse   int
	MaxClientResponse   int

	// FsyncTxns counts the txns log syncs made durable since start or srst.
	FsyncTxns int64

	LastZxid         int64
	SnapshotsWritten int64
	// SnapshotsSkipped counts snapshots that fell due while the last one
	// was still being written, since start.
	SnapshotsSkipped int64
	// TxnLogFailures counts group commits the txn log refused (a full
	// disk, an I/O error) since start; each answered its writes
	// SystemError.
	TxnLogFailures int64
}

// Metrics returns the node's current counters and gauges.
func (s *Server) Metrics() Metrics {
	m := Metrics{
		Version:             s.versionString(),
		ServerState:         "standalone",
		EphemeralsCount:     s.tree.EphemeralCount(),
		AliveConnections:    s.connCount(),
		OutstandingRequests: s.outstanding(),
		ZnodeCount:          s.tree.NodeCount(),
		GlobalSessions:      s.sessions.len(),
		WatchCount:          s.watches.Count(),
		ApproximateDataSize: int64(s.tree.ApproximateDataSize()),
		OpenFileDescriptors: openFDs(),
		MaxFileDescriptors:  maxFDs(),
		Uptime:              s.cfg.Now().Sub(s.started),
		PacketsSent:         s.stats.sent.Load(),
		PacketsReceived:     s.stats.received.Load(),
		FsyncTxns:           s.stats.syncedTxns.Load(),
		LastZxid:            int64(s.tree.LastZxid()),
		SnapshotsWritten:    s.snaps.written.Load(),
		SnapshotsSkipped:    s.snaps.skipped.Load(),
		TxnLogFailures:      s.logFailures.Load(),
	}
	m.MinLatencyMs, m.AvgLatencyMs, m.MaxLatencyMs = s.stats.latency()
	m.LastClientResponse, m.MinClientResponse, m.MaxClientResponse = s.stats.responseSizes()
	return m
}
