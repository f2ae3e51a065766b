package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/warrenzk/warren/core/server"
	"github.com/warrenzk/warren/core/stats"
)

// zkGauges are the gauges ZooKeeperServer.registerMetrics registers, with
// ZooKeeper's names, read from server.Metrics at every scrape. The last
// five read 0 on any Warren node, as mntr's keys of those names do: they
// count TLS connections and handshakes (Warren's transports have no TLS
// yet) and connections dropped under load (off by default in ZooKeeper).
var zkGauges = []struct {
	name  string
	value func(m *server.Metrics) float64
}{
	{"ephemerals_count", func(m *server.Metrics) float64 { return float64(m.EphemeralsCount) }},
	{"num_alive_connections", func(m *server.Metrics) float64 { return float64(m.AliveConnections) }},
	{"avg_latency", func(m *server.Metrics) float64 { return m.AvgLatencyMs }},
	{"outstanding_requests", func(m *server.Metrics) float64 { return float64(m.OutstandingRequests) }},
	{"znode_count", func(m *server.Metrics) float64 { return float64(m.ZnodeCount) }},
	{"global_sessions", func(m *server.Metrics) float64 { return float64(m.GlobalSessions) }},
	{"last_client_response_size", func(m *server.Metrics) float64 { return float64(m.LastClientResponse) }},
	{"packets_sent", func(m *server.Metrics) float64 { return float64(m.PacketsSent) }},
	{"packets_received", func(m *server.Metrics) float64 { return float64(m.PacketsReceived) }},
	{"max_client_response_size", func(m *server.Metrics) float64 { return float64(m.MaxClientResponse) }},
	{"watch_count", func(m *server.Metrics) float64 { return float64(m.WatchCount) }},
	{"min_latency", func(m *server.Metrics) float64 { return float64(m.MinLatencyMs) }},
	{"max_file_descriptor_count", func(m *server.Metrics) float64 { return float64(m.MaxFileDescriptors) }},
	{"approximate_data_size", func(m *server.Metrics) float64 { return float64(m.ApproximateDataSize) }},
	{"open_file_descriptor_count", func(m *server.Metrics) float64 { return float64(m.OpenFileDescriptors) }},
	{"local_sessions", func(m *server.Metrics) float64 { return float64(m.LocalSessions) }},
	{"uptime", func(m *server.Metrics) float64 { return float64(m.Uptime.Milliseconds()) }},
	{"max_latency", func(m *server.Metrics) float64 { return float64(m.MaxLatencyMs) }},
	{"min_client_response_size", func(m *server.Metrics) float64 { return float64(m.MinClientResponse) }},
	{"non_mtls_remote_conn_count", func(*server.Metrics) float64 { return 0 }},
	{"non_mtls_local_conn_count", func(*server.Metrics) float64 { return 0 }},
	{"outstanding_tls_handshake", func(*server.Metrics) float64 { return 0 }},
	{"auth_failed_count", func(*server.Metrics) float64 { return 0 }},
	{"connection_drop_probability", func(*server.Metrics) float64 { return 0 }},
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
	for _, g := range zkGauges {
		r.descs = append(r.descs, prometheus.NewDesc(g.name, g.name, nil, nil))
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
	for i, g := range zkGauges {
		ch <- prometheus.MustNewConstMetric(r.descs[i], prometheus.GaugeValue, g.value(&m))
	}
	ch <- prometheus.MustNewConstMetric(r.info, prometheus.GaugeValue, 1, m.Version, m.ServerState)
	ch <- prometheus.MustNewConstMetric(r.txns, prometheus.CounterValue, float64(m.FsyncTxns))
	ch <- prometheus.MustNewConstMetric(r.failures, prometheus.CounterValue, float64(m.TxnLogFailures))
	ch <- prometheus.MustNewConstMetric(r.skipped, prometheus.CounterValue, float64(m.SnapshotsSkipped))
}

// counters is a prometheus.Collector over the node's ServerMetrics
// counters. ZooKeeper 3.8's client (simpleclient 0.9) writes counters
// without a _total suffix, and so do these, so that its dashboards'
// queries find them.
type counters struct {
	list  []*stats.Counter
	descs []*prometheus.Desc
}

func newCounters(reg *stats.Registry) *counters {
	c := &counters{list: reg.Counters()}
	for _, ctr := range c.list {
		c.descs = append(c.descs, prometheus.NewDesc(ctr.Name(), ctr.Name()+" counter", nil, nil))
	}
	return c
}

func (c *counters) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *counters) Collect(ch chan<- prometheus.Metric) {
	for i, ctr := range c.list {
		ch <- prometheus.MustNewConstMetric(c.descs[i], prometheus.CounterValue, float64(ctr.Value()))
	}
}

// quantiles are the quantiles ZooKeeper's Prometheus provider reports for
// a summary of each detail level.
func quantiles(l stats.Level) []float64 {
	if l == stats.Advanced {
		return []float64{0.5, 0.9, 0.99}
	}
	return []float64{0.5}
}

// summaries is a prometheus.Collector over the node's ServerMetrics
// summaries and summary sets, as Prometheus summaries. Their quantiles come
// from each summary's uniform sample since start or srst (the one mntr's
// percentiles come from), not from a sliding window as in ZooKeeper's
// provider: a quantile that must follow recent load is better read from a
// warren_* histogram, and a recent mean from rate(_sum) / rate(_count).
type summaries struct {
	list  []*stats.Summary
	sets  []*stats.SummarySet
	descs []*prometheus.Desc
}

func newSummaries(reg *stats.Registry) *summaries {
	c := &summaries{list: reg.Summaries(), sets: reg.SummarySets()}
	for _, s := range c.list {
		c.descs = append(c.descs, prometheus.NewDesc(s.Name(), s.Name()+" summary", nil, nil))
	}
	for _, s := range c.sets {
		c.descs = append(c.descs, prometheus.NewDesc(s.Name(), s.Name()+" summary", []string{"key"}, nil))
	}
	return c
}

func (c *summaries) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *summaries) Collect(ch chan<- prometheus.Metric) {
	for i, s := range c.list {
		ch <- summaryMetric(c.descs[i], s)
	}
	for i, set := range c.sets {
		desc := c.descs[len(c.list)+i]
		set.Each(func(key string, s *stats.Summary) { ch <- summaryMetric(desc, s, key) })
	}
}

func summaryMetric(desc *prometheus.Desc, s *stats.Summary, labels ...string) prometheus.Metric {
	qs := quantiles(s.Level())
	r, values := s.ReadQuantiles(qs)
	byQ := make(map[float64]float64, len(qs))
	for i, q := range qs {
		byQ[q] = values[i]
	}
	return prometheus.MustNewConstSummary(desc, uint64(r.Count), float64(r.Sum), byQ, labels...)
}
