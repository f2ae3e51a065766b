// Package metrics exports a node's metrics to Prometheus, named and
// labelled as Apache ZooKeeper's Prometheus metrics provider
// (zookeeper-metrics-providers) names them, so that ZooKeeper's dashboards
// and alerts work unchanged, plus Warren's own series under warren_.
//
// The values mntr reports are read from server.Metrics at every scrape;
// distributions (latencies, batch sizes) are observed as they happen, through
// the server.Observer that Exporter implements. docs/metrics.md lists every
// series.
package metrics
