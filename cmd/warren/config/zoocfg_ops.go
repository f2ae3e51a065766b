package config

import "fmt"

// prometheusProvider is the class name that turns ZooKeeper's Prometheus
// endpoint on; DefaultMetricsProvider is its default, which serves nothing.
const (
	prometheusProvider = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"
	defaultProvider    = "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider"
)

// applyOperability reads the metricsProvider.* and admin.* keys of a zoo.cfg;
// keys of theirs Warren has no use for (metricsProvider.exportJvmInfo,
// admin.idleTimeout, ...) are reported as ignored.
func (z *zooCfg) applyOperability(key string, p property) error {
	m, a := &z.cfg.Metrics, &z.cfg.Admin
	var err error
	switch key {
	case "metricsProvider.className":
		switch p.value {
		case prometheusProvider:
			m.Enabled = true
		case defaultProvider:
			m.Enabled = false
		default:
			return fmt.Errorf("%q is not %s or %s, the providers Warren has", p.value, prometheusProvider, defaultProvider)
		}
	case "metricsProvider.httpHost":
		m.HTTPHost = p.value
	case "metricsProvider.httpPort":
		m.HTTPPort, err = p.int()
	case "admin.enableServer":
		a.EnableServer, err = p.trueFalse()
	case "admin.serverAddress":
		a.ServerAddress = p.value
	case "admin.serverPort":
		a.ServerPort, err = p.int()
	case "admin.commandURL":
		a.CommandURL = p.value
	default:
		z.ignored = append(z.ignored, p.key)
	}
	return err
}
