package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/dig"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/cmd/warren/config"
	"github.com/warrenzk/warren/core/metrics"
	"github.com/warrenzk/warren/core/server"
	"github.com/warrenzk/warren/plugins"
	"github.com/warrenzk/warren/storage"
	"github.com/warrenzk/warren/storage/zkdata"
	"github.com/warrenzk/warren/transport"
)

// runServer loads the configuration and runs a node until SIGINT or SIGTERM.
func runServer(args []string) error {
	fs := pflag.NewFlagSet("warren server", pflag.ContinueOnError)
	config.Flags(fs)
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile (pprof) to `file` from start to shutdown")
	allocProfile := fs.String("alloc-profile", "", "write an allocation profile (pprof) to `file` at shutdown")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("server: unexpected argument %q", fs.Arg(0))
	}
	src := config.SourcesFromFlags(fs, os.Environ())
	cfg, ignored, err := src.Load()
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg.Log)
	if err != nil {
		return err
	}
	for _, key := range ignored {
		logger.Warn("zoo.cfg key ignored: Warren does not use it", "key", key, "file", src.ZooCfg)
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	if *allocProfile != "" {
		defer writeAllocProfile(*allocProfile, logger)
	}

	app := fx.New(
		fx.Supply(cfg, logger, src),
		fx.WithLogger(func() fxevent.Logger {
			// Wiring events are for debugging start-up, not for operators,
			// and so are its errors: the one that stops the start is
			// returned below, once, without the wiring around it.
			l := &fxevent.SlogLogger{Logger: logger.With("component", "fx")}
			l.UseLogLevel(slog.LevelDebug)
			l.UseErrorLevel(slog.LevelDebug)
			return l
		}),
		nodeModule,
	)
	if err := app.Start(context.Background()); err != nil {
		// dig wraps a constructor's error in the chain of what needed it.
		return dig.RootCause(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	var failed error
	select {
	case sig := <-stop:
		logger.Info("shutting down", "signal", sig.String())
	case <-app.Done():
	case failed = <-nodeFailure:
		logger.Error("node failed", "err", failed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := app.Stop(ctx); err != nil {
		return err
	}
	return failed
}

// startCPUProfile profiles the whole process until the returned func runs.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeAllocProfile saves what was allocated since start, by call site.
func writeAllocProfile(path string, logger *slog.Logger) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		logger.Error("writing the allocation profile failed", "file", path, "err", err)
	}
}

// nodeFailure carries a fatal serving error out of the fx lifecycle.
var nodeFailure = make(chan error, 1)

// nodeModule wires a standalone node: storage, transport and ACL schemes are
// looked up by name in their registries, then handed to the core as plain
// values.
var nodeModule = fx.Module("node",
	fx.Provide(openStorage, openClientTransport, newPluginHost, newChecker, newExporter, newServer),
	fx.Invoke(serveClients, serveOperability),
)

func openStorage(lc fx.Lifecycle, cfg config.Config, logger *slog.Logger) (storage.Backend, error) {
	b, err := storage.Default.Open(cfg.Storage.Backend, storage.Config{
		DataDir:      cfg.Server.DataDir,
		LogDir:       cfg.Server.LogDir(),
		NoSync:       !cfg.Server.ForceSync,
		PreAllocSize: preAllocSize(cfg.Server.PreAllocSize),
		Options:      cfg.Storage.Options,
		Logger:       logger,
	})
	if err != nil {
		return nil, fmt.Errorf("storage backend %q: %w", cfg.Storage.Backend, err)
	}
	if err := refuseZooKeeperData(b, cfg.Server.DataDir, cfg.Server.LogDir()); err != nil {
		b.Close()
		return nil, err
	}
	lc.Append(fx.StopHook(b.Close))
	return b, nil
}

// preAllocSize maps prealloc_size, where 0 means off as in ZooKeeper, to
// storage.Config's, where 0 means the backend's default and off is negative.
func preAllocSize(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

func openClientTransport(cfg config.Config) (transport.Transport, error) {
	t, err := transport.Default.Open(cfg.Transport.Client.Name, transport.Config{Options: cfg.Transport.Client.Options})
	if err != nil {
		return nil, fmt.Errorf("client transport %q: %w", cfg.Transport.Client.Name, err)
	}
	return t, nil
}

// newPluginHost prepares the external ACL schemes of auth.plugins; their
// programs start with the app, before the client port opens, and stop
// after it closes.
func newPluginHost(lc fx.Lifecycle, cfg config.Config, logger *slog.Logger) (*plugins.Host, error) {
	cfgs := make([]plugins.Config, len(cfg.Auth.Plugins))
	for i, p := range cfg.Auth.Plugins {
		cfgs[i] = plugins.Config{Name: p.Name, Path: p.Path, Args: p.Args, Timeout: p.Timeout, MatchTimeout: p.MatchTimeout}
	}
	h, err := plugins.New(cfgs, plugins.Options{Logger: logger.With("component", "auth-plugins")})
	if err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{OnStart: h.Start, OnStop: func(context.Context) error { return h.Close() }})
	return h, nil
}

// newChecker enables the built-in schemes auth.schemes names and every
// plugin's scheme (naming a plugin in auth.schemes too is allowed).
func newChecker(cfg config.Config, host *plugins.Host) (*auth.Checker, error) {
	var builtins []string
	for _, name := range cfg.Auth.Schemes {
		if !slices.ContainsFunc(cfg.Auth.Plugins, func(p config.AuthPlugin) bool { return p.Name == name }) {
			builtins = append(builtins, name)
		}
	}
	schemes, err := auth.Default.Subset(builtins...)
	if err != nil {
		return nil, err
	}
	for _, s := range host.Schemes() {
		if err := schemes.Add(s); err != nil {
			return nil, err
		}
	}
	return &auth.Checker{Schemes: schemes, SuperDigest: cfg.Auth.SuperDigest, SkipACL: cfg.Auth.SkipACL}, nil
}

func newServer(cfg config.Config, logger *slog.Logger, b storage.Backend, checker *auth.Checker, exp *metrics.Exporter) (*server.Server, error) {
	s := cfg.Server
	lo, hi := s.SessionTimeouts()
	return server.New(server.Config{
		ServerID:               s.ID,
		TickTime:               s.TickTime,
		MinSessionTimeout:      lo,
		MaxSessionTimeout:      hi,
		MaxClientCnxns:         s.MaxClientCnxns,
		MaxBuffer:              s.JuteMaxBuffer,
		ExtendedTypes:          s.ExtendedTypesEnabled,
		ContainerCheckInterval: s.ContainerCheckInterval,
		ContainerMaxPerMinute:  s.ContainerMaxPerMinute,
		FourLetterWords:        s.FourLetterWords,
		SnapCount:              s.SnapCount,
		SnapLogFraction:        s.SnapLogFraction,
		SnapRetainCount:        s.Autopurge.SnapRetainCount,
		PurgeInterval:          s.Autopurge.PurgeInterval,
		ClientAddr:             s.ClientAddr,
		DataDir:                s.DataDir,
		DataLogDir:             s.LogDir(),
		Version:                version,
		Logger:                 logger,
		Observer:               exp,
	}, b, checker)
}

// refuseZooKeeperData stops a node whose store is empty from starting
// beside Apache ZooKeeper's files: run on a zoo.cfg as it is, Warren would
// otherwise serve an empty tree from the dataDir that holds the ensemble's
// data, and clients would see every znode gone.
func refuseZooKeeperData(b storage.Backend, dirs ...string) error {
	if snaps, err := b.Snapshots().List(); err != nil || len(snaps) > 0 || b.Log().LastZxid() != 0 {
		return nil // Warren's store has data (or cannot tell): recovery decides
	}
	for _, dir := range dirs {
		v, err := zkdata.VersionDir(dir)
		if err != nil {
			continue // no version-2 folder: nothing of ZooKeeper's here
		}
		snaps, _ := zkdata.ListSnapshots(v)
		logs, _ := zkdata.ListLogs(v)
		if len(snaps)+len(logs) == 0 {
			continue
		}
		return fmt.Errorf("%s holds Apache ZooKeeper's data (%d snapshots, %d txn logs) and Warren's store is empty: "+
			"Warren does not serve ZooKeeper's files in place. Import them once with "+
			"`warren import --zookeeper-data %s` and the same --config or --zoo-cfg (docs/operations.md, Migrating), "+
			"or move %s away to start with an empty tree", v, len(snaps), len(logs), dir, v)
	}
	return nil
}

// serveClients starts the node and its client listener with the app, and
// stops them, letting in-flight writes finish, when the app stops.
func serveClients(lc fx.Lifecycle, cfg config.Config, src config.Sources, logger *slog.Logger, srv *server.Server, t transport.Transport) {
	var l net.Listener
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			var err error
			if l, err = t.Listen(cfg.Server.ClientAddr); err != nil {
				return fmt.Errorf("listen for clients on %s: %w (is another ZooKeeper or Warren running there?)", cfg.Server.ClientAddr, err)
			}
			srv.Start()
			logger.Info("Warren started",
				"version", version,
				"config", firstNonEmpty(src.YAML, src.ZooCfg, "(embedded defaults)"),
				"client_addr", l.Addr().String(),
				"transport", cfg.Transport.Client.Name,
				"storage", cfg.Storage.Backend,
				"data_dir", cfg.Server.DataDir,
				"data_log_dir", cfg.Server.LogDir(),
				"metrics_addr", metricsAddr(cfg),
				"admin_addr", adminAddr(cfg),
				"mode", "standalone",
			)
			go func() {
				if err := srv.Serve(l); err != nil {
					select {
					case nodeFailure <- err:
					default:
					}
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			err := srv.Shutdown(ctx)
			logger.Info("Warren stopped")
			return err
		},
	})
}

func newLogger(c config.Log) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", c.Level, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.Format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", c.Format)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
