package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/warrenzk/warren/core/server"
)

// zkSeries are the series ZooKeeper 3.8 registers for the mntr keys a
// standalone Warren node reports, with ZooKeeper's names and types: the
// gauges of ZooKeeperServer.registerMetrics and the counters of
// ServerMetrics. ZooKeeper 3.8's client (simpleclient 0.9) writes counters
// without a _total suffix, and so do these, so that its dashboards' queries
// find them. The fsynctime and snapshottime summaries are observed instead
// (Exporter).
var zkSeries = []struct {
	name  string
	typ   prometheus.ValueType
	value func(m *server.Metrics) float64
}{
	{"ephemerals_count", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.EphemeralsCount) }},
	{"num_alive_connections", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.AliveConnections) }},
	{"avg_latency", prometheus.GaugeValue, func(m *server.Metrics) float64 { return m.AvgLatencyMs }},
	{"outstanding_requests", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.OutstandingRequests) }},
	{"znode_count", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.ZnodeCount) }},
	{"global_sessions", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.GlobalSessions) }},
	{"last_client_response_size", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.LastClientResponse) }},
	{"packets_sent", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.PacketsSent) }},
	{"packets_received", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.PacketsReceived) }},
	{"max_client_response_size", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.MaxClientResponse) }},
	{"watch_count", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.WatchCount) }},
	{"min_latency", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.MinLatencyMs) }},
	{"max_file_descriptor_count", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.MaxFileDescriptors) }},
	{"approximate_data_size", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.ApproximateDataSize) }},
	{"open_file_descriptor_count", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.OpenFileDescriptors) }},
	{"local_sessions", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.LocalSessions) }},
	{"uptime", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.Uptime.Milliseconds()) }},
	{"max_latency", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.MaxLatencyMs) }},
	{"min_client_response_size", prometheus.GaugeValue, func(m *server.Metrics) float64 { return float64(m.MinClientResponse) }},
	{"sessionless_connections_expired", prometheus.CounterValue, func(m *server.Metrics) float64 { return float64(m.SessionlessConnectionsExpired) }},
	{"connection_drop_count", prometheus.CounterValue, func(m *server.Metrics) float64 { return float64(m.ConnectionDrops) }},
	{"bytes_received_count", prometheus.CounterValue, func(m *server.Metrics) float64 { return float64(m.BytesReceived) }},
	{"connection_request_count", prometheus.CounterValue, func(m *server.Metrics) float64 { return float64(m.ConnectionRequests) }},
	{"connection_rejected", prometheus.CounterValue, func(m *server.Metrics) float64 { return float64(m.ConnectionsRejected) }},
	{"connection_revalidate_count", prometheus.CounterValue, func(m *server.Metrics) float64 { return float64(m.ConnectionRevalidates) }},
	{"stale_sessions_expired", prometheus.CounterValue, func(m *server.Metrics) float64 { return float64(m.StaleSessionsExpired) }},
}

// ZooKeeperNames lists the series this package exports under ZooKeeper's
// names, the observed summaries included.
func ZooKeeperNames() []string {
	names := make([]string, 0, len(zkSeries)+2)
	for _, s := range zkSeries {
		names = append(names, s.name)
	}
	return append(names, "fsynctime", "snapshottime")
}

// Source is what the exporter reads at every scrape; *server.Server is one.
type Source interface {
	Metrics() server.Metrics
}

// reading is a prometheus.Collector over a Source: one Metrics() call per
// scrape, so that related series agree.
type reading struct {
	src      Source
	descs    []*prometheus.Desc
	info     *prometheus.Desc
	txns     *prometheus.Desc
	failures *prometheus.Desc
	skipped  *prometheus.Desc
}

func newReading(src Source) *reading {
	r := &reading{src: src}
	for _, s := range zkSeries {
		r.descs = append(r.descs, prometheus.NewDesc(s.name, s.name, nil, nil))
	}
	r.info = prometheus.NewDesc("warren_server_info",
		"Always 1: the node's version and state (mntr's zk_version and zk_server_state) as labels.",
		[]string{"version", "server_state"}, nil)
	r.txns = prometheus.NewDesc("warren_fsync_txns_total",
		"Txns made durable by log syncs since start or srst (mntr's zk_fsync_txns).", nil, nil)
	r.failures = prometheus.NewDesc("warren_txn_log_failures_total",
		"Group commits the txn log refused (a full disk, an I/O error) since start; their writes were answered SystemError.", nil, nil)
	r.skipped = prometheus.NewDesc("warren_snapshots_skipped_total",
		"Snapshots skipped since start because the last one was still being written (ZooKeeper's \"Too busy to snap\").", nil, nil)
	return r
}

func (r *reading) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range r.descs {
		ch <- d
	}
	ch <- r.info
	ch <- r.txns
	ch <- r.failures
	ch <- r.skipped
}

func (r *reading) Collect(ch chan<- prometheus.Metric) {
	m := r.src.Metrics()
	for i, s := range zkSeries {
		ch <- prometheus.MustNewConstMetric(r.descs[i], s.typ, s.value(&m))
	}
	ch <- prometheus.MustNewConstMetric(r.info, prometheus.GaugeValue, 1, m.Version, m.ServerState)
	ch <- prometheus.MustNewConstMetric(r.txns, prometheus.CounterValue, float64(m.FsyncTxns))
	ch <- prometheus.MustNewConstMetric(r.failures, prometheus.CounterValue, float64(m.TxnLogFailures))
	ch <- prometheus.MustNewConstMetric(r.skipped, prometheus.CounterValue, float64(m.SnapshotsSkipped))
}
