package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/stats"
)

// Exporter holds a node's Prometheus registry. It is the node's
// server.Observer, and Watch adds the series read from the node itself.
type Exporter struct {
	reg *prometheus.Registry

	zkNames         []string // the series under ZooKeeper's names
	requests        *prometheus.HistogramVec
	batch           prometheus.Histogram
	storageSync     prometheus.Observer
	storageSnapshot prometheus.Observer
}

// New returns an Exporter whose storage timings carry the label
// backend=<backend>, with Go runtime and process series (ZooKeeper's
// provider exports the JVM's likewise).
func New(backend string) *Exporter {
	e := &Exporter{reg: prometheus.NewRegistry()}
	e.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "warren_request_duration_seconds",
		Help:    "Time from reading a request to answering it, by opcode (pings included).",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10), // 100µs .. 26s
	}, []string{"op"})
	e.batch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "warren_commit_batch_txns",
		Help:    "Txns made durable by one log sync (group commit).",
		Buckets: prometheus.ExponentialBuckets(1, 2, 12), // 1 .. 2048
	})
	labels := prometheus.Labels{"backend": backend}
	storageSync := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "warren_storage_sync_duration_seconds",
		Help:        "Time to append and sync one batch to the txn log, by storage backend.",
		Buckets:     prometheus.ExponentialBuckets(0.00005, 4, 10), // 50µs .. 13s
		ConstLabels: labels,
	}, nil)
	storageSnapshot := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "warren_storage_snapshot_duration_seconds",
		Help:        "Time to stream one snapshot to storage, by storage backend.",
		Buckets:     prometheus.ExponentialBuckets(0.01, 4, 10), // 10ms .. 43min
		ConstLabels: labels,
	}, nil)
	e.storageSync, e.storageSnapshot = storageSync.WithLabelValues(), storageSnapshot.WithLabelValues()
	e.reg.MustRegister(e.requests, e.batch, storageSync, storageSnapshot,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e
}

// Track implements server.Observer: it exports reg's counters, summaries
// and summary sets under ZooKeeper's names, read at every scrape (values in
// ZooKeeper's units, mostly ms; summary sets labelled key).
func (e *Exporter) Track(reg *stats.Registry) {
	e.reg.MustRegister(newCounters(reg), newSummaries(reg))
	for _, c := range reg.Counters() {
		e.zkNames = append(e.zkNames, c.Name())
	}
	for _, s := range reg.Summaries() {
		e.zkNames = append(e.zkNames, s.Name())
	}
	for _, s := range reg.SummarySets() {
		e.zkNames = append(e.zkNames, s.Name())
	}
}

// Watch adds the series read from src at every scrape. Call it once.
func (e *Exporter) Watch(src Source) {
	e.reg.MustRegister(newReading(src))
}

// ZooKeeperNames lists the series exported under ZooKeeper's names: its
// gauges, and the counters and summaries Track was given.
func (e *Exporter) ZooKeeperNames() []string {
	names := make([]string, 0, len(zkGauges)+len(e.zkNames))
	for _, g := range zkGauges {
		names = append(names, g.name)
	}
	return append(names, e.zkNames...)
}

// Handler serves the registry in Prometheus's text format.
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{})
}

// Registry is for tests and for callers adding series of their own.
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// RequestDone implements server.Observer.
func (e *Exporter) RequestDone(op proto.Op, d time.Duration) {
	e.requests.WithLabelValues(op.String()).Observe(d.Seconds())
}

// BatchSynced implements server.Observer.
func (e *Exporter) BatchSynced(txns int, d time.Duration) {
	e.storageSync.Observe(d.Seconds())
	e.batch.Observe(float64(txns))
}

// SnapshotWritten implements server.Observer.
func (e *Exporter) SnapshotWritten(d time.Duration) {
	e.storageSnapshot.Observe(d.Seconds())
}
