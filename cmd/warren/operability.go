package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"go.uber.org/fx"

	"github.com/warrenzk/warren/cmd/warren/config"
	"github.com/warrenzk/warren/core/admin"
	"github.com/warrenzk/warren/core/metrics"
	"github.com/warrenzk/warren/core/server"
)

// newExporter is the node's Prometheus registry; it observes the server
// whether or not the endpoint is served, which costs little.
func newExporter(cfg config.Config) *metrics.Exporter {
	return metrics.New(cfg.Storage.Backend)
}

// serveOperability starts the metrics endpoint and the AdminServer, when
// configured, with the app. A port that cannot be bound stops the start, as
// ZooKeeper's AdminServer does.
func serveOperability(lc fx.Lifecycle, cfg config.Config, src config.Sources, logger *slog.Logger, srv *server.Server, exp *metrics.Exporter) {
	exp.Watch(srv)
	if addr := metricsAddr(cfg); addr != "off" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", exp.Handler())
		serveHTTP(lc, logger, "metrics", addr, mux)
	}
	if addr := adminAddr(cfg); addr != "off" {
		serveHTTP(lc, logger, "AdminServer", addr, admin.Handler(srv, cfg.Admin.CommandURL, initialConfig(src)))
	}
}

// metricsAddr is where the metrics endpoint listens, or "off" (for the
// start-up banner too).
func metricsAddr(cfg config.Config) string {
	if !cfg.Metrics.Enabled {
		return "off"
	}
	return net.JoinHostPort(cfg.Metrics.HTTPHost, strconv.Itoa(cfg.Metrics.HTTPPort))
}

// adminAddr is where the AdminServer listens, or "off".
func adminAddr(cfg config.Config) string {
	if !cfg.Admin.EnableServer {
		return "off"
	}
	return net.JoinHostPort(cfg.Admin.ServerAddress, strconv.Itoa(cfg.Admin.ServerPort))
}

// initialConfig is the text of the file the node was configured from, for
// the AdminServer's initial_configuration.
func initialConfig(src config.Sources) string {
	path := firstNonEmpty(src.YAML, src.ZooCfg)
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

func serveHTTP(lc fx.Lifecycle, logger *slog.Logger, what, addr string, h http.Handler) {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("%s: listen on %s: %w (is another ZooKeeper or Warren running there?)", what, addr, err)
			}
			logger.Info(what+" listening", "addr", l.Addr().String())
			go func() {
				if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
					logger.Error(what+" stopped serving", "addr", addr, "err", err)
				}
			}()
			return nil
		},
		OnStop: hs.Shutdown,
	})
}
