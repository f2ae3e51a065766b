package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/warrenzk/warren/core/proto"
)

// Exporter holds a node's Prometheus registry. It is the node's
// server.Observer, and Watch adds the series read from the node itself.
type Exporter struct {
	reg *prometheus.Registry

	fsync, snapshot prometheus.Summary // ZooKeeper's, in ms
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
	// ZooKeeper's BASIC summaries: the median, in milliseconds.
	e.fsync = prometheus.NewSummary(prometheus.SummaryOpts{
		Name: "fsynctime", Help: "fsynctime summary", Objectives: map[float64]float64{0.5: 0.05},
	})
	e.snapshot = prometheus.NewSummary(prometheus.SummaryOpts{
		Name: "snapshottime", Help: "snapshottime summary", Objectives: map[float64]float64{0.5: 0.05},
	})
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
	e.reg.MustRegister(e.fsync, e.snapshot, e.requests, e.batch, storageSync, storageSnapshot,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e
}

// Watch adds the series read from src at every scrape. Call it once.
func (e *Exporter) Watch(src Source) {
	e.reg.MustRegister(newReading(src))
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
	e.fsync.Observe(ms(d))
	e.storageSync.Observe(d.Seconds())
	e.batch.Observe(float64(txns))
}

// SnapshotWritten implements server.Observer.
func (e *Exporter) SnapshotWritten(d time.Duration) {
	e.snapshot.Observe(ms(d))
	e.storageSnapshot.Observe(d.Seconds())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
