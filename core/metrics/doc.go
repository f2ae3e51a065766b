// Package metrics exports a node's metrics to Prometheus, named and
// labelled as Apache ZooKeeper's Prometheus metrics provider
// (zookeeper-metrics-providers) names them, so that ZooKeeper's dashboards
// and alerts work unchanged, plus Warren's own series under warren_.
//
// Everything is read at every scrape: ZooKeeper's gauges from
// server.Metrics, its ServerMetrics counters and summaries from the
// stats.Registry the node hands to Exporter.Track. Warren's histograms
// (latency by opcode, batch sizes, storage timings) are observed as they
// happen, through the server.Observer that Exporter implements.
// docs/metrics.md lists every series.
package metrics
