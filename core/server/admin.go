package server

import (
	"errors"
	"maps"
	"os"
	"os/user"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
)

// ErrUnknownCommand is AdminCommand's answer to a name it does not know.
var ErrUnknownCommand = errors.New("unknown command")

// adminCommands are the AdminServer's commands by ZooKeeper's primary name
// (Commands.java). Each returns the keys ZooKeeper 3.8 returns; the
// AdminServer adds "command" and "error". Aliases live with the HTTP side.
var adminCommands = map[string]func(s *Server) (map[string]any, error){
	"configuration": (*Server).adminConf,
	"connection_stat_reset": func(s *Server) (map[string]any, error) {
		s.resetConnStats()
		return map[string]any{}, nil
	},
	"connections": func(s *Server) (map[string]any, error) {
		return map[string]any{"connections": s.adminConns(true), "secure_connections": []any{}}, nil
	},
	"dirs": func(s *Server) (map[string]any, error) {
		return map[string]any{"datadir_size": dirSize(s.cfg.DataDir), "logdir_size": dirSize(s.logDir())}, nil
	},
	"dump":           (*Server).adminDump,
	"environment":    (*Server).adminEnv,
	"get_trace_mask": func(*Server) (map[string]any, error) { return map[string]any{"tracemask": 0}, nil },
	"set_trace_mask": func(*Server) (map[string]any, error) {
		return nil, errors.New("set_trace_mask is not supported by Warren")
	},
	// Warren keeps no tree digests (ZooKeeper's digest.enabled).
	"hash":         func(*Server) (map[string]any, error) { return map[string]any{"digests": []any{}}, nil },
	"is_read_only": func(*Server) (map[string]any, error) { return map[string]any{"read_only": false}, nil },
	// A standalone server has no leader: ZooKeeper answers so too.
	"leader": func(*Server) (map[string]any, error) { return nil, errors.New("server is not initialized") },
	"last_snapshot": func(s *Server) (map[string]any, error) {
		// ZooKeeper's Long.toHexString of the zxid and the file's time in
		// seconds; -1 for both before any snapshot.
		zxid, at := int64(-1), int64(-1)
		if l := s.snaps.last.Load(); l != nil {
			zxid, at = l.zxid, l.at.Unix()
		}
		return map[string]any{"zxid": strconv.FormatUint(uint64(zxid), 16), "timestamp": at}, nil
	},
	"monitor": (*Server).adminMonitor,
	"observer_connection_stat_reset": func(*Server) (map[string]any, error) {
		return map[string]any{}, nil
	},
	"observers": func(*Server) (map[string]any, error) {
		return map[string]any{"synced_observers": 0, "observers": []any{}}, nil
	},
	"ruok":              func(*Server) (map[string]any, error) { return map[string]any{}, nil },
	"server_stats":      func(s *Server) (map[string]any, error) { return s.adminStats(false), nil },
	"stats":             func(s *Server) (map[string]any, error) { return s.adminStats(true), nil },
	"system_properties": func(*Server) (map[string]any, error) { return systemProperties(), nil },
	"stat_reset": func(s *Server) (map[string]any, error) {
		s.resetStats()
		return map[string]any{}, nil
	},
	"voting_view": func(*Server) (map[string]any, error) {
		return map[string]any{"current_config": map[string]any{}}, nil
	},
	"watch_summary": func(s *Server) (map[string]any, error) {
		conns, paths, total := s.watches.Summary()
		return map[string]any{"num_connections": conns, "num_paths": paths, "num_total_watches": total}, nil
	},
	"watches":         (*Server).adminWatches,
	"watches_by_path": (*Server).adminWatchesByPath,
	"zabstate": func(*Server) (map[string]any, error) {
		return map[string]any{"voting": false, "zabstate": ""}, nil
	},
}

// AdminCommandNames lists the commands AdminCommand answers, sorted.
func AdminCommandNames() []string { return slices.Sorted(maps.Keys(adminCommands)) }

// AdminCommand runs an AdminServer command by its primary name and returns
// ZooKeeper's response keys, or the error to report in "error".
func (s *Server) AdminCommand(name string) (map[string]any, error) {
	f, ok := adminCommands[name]
	if !ok {
		return nil, ErrUnknownCommand
	}
	return f(s)
}

func (s *Server) adminConf() (map[string]any, error) {
	_, port := splitPort(s.cfg.ClientAddr)
	p, _ := strconv.Atoi(port)
	return map[string]any{
		"client_port":                p,
		"data_dir":                   s.cfg.DataDir,
		"data_log_dir":               s.logDir(),
		"tick_time":                  s.cfg.TickTime.Milliseconds(),
		"max_client_cnxns":           s.cfg.MaxClientCnxns,
		"min_session_timeout":        s.cfg.MinSessionTimeout.Milliseconds(),
		"max_session_timeout":        s.cfg.MaxSessionTimeout.Milliseconds(),
		"server_id":                  s.cfg.ServerID,
		"client_port_listen_backlog": -1,
	}, nil
}

func (s *Server) resetConnStats() {
	for _, c := range s.connsSorted() {
		c.received.Store(0)
		c.sent.Store(0)
		c.stats.reset()
	}
}

// adminConns describes the connections as ZooKeeper's cons does; full adds
// the session's details and response statistics.
func (s *Server) adminConns(full bool) []map[string]any {
	out := []map[string]any{}
	for _, c := range s.connsSorted() {
		c.mu.Lock()
		pending := len(c.fifo)
		c.mu.Unlock()
		m := map[string]any{
			"remote_socket_address": c.nc.RemoteAddr().String(),
			"interest_ops":          1,
			"outstanding_requests":  pending,
			"packets_received":      c.received.Load(),
			"packets_sent":          c.sent.Load(),
		}
		if id := c.sessionID(); full && id != 0 {
			st := c.stats.get()
			m["session_id"] = id
			m["last_operation"] = st.LastOp
			m["established"] = c.opened.UnixMilli()
			m["session_timeout"] = c.timeout().Milliseconds()
			m["last_cxid"] = st.LastCxid
			m["last_zxid"] = st.LastZxid
			m["last_response_time"] = st.LastResponse
			m["last_latency"] = st.LastLatency
			m["min_latency"] = st.MinLatency
			m["avg_latency"] = st.AvgLatency
			m["max_latency"] = st.MaxLatency
		}
		out = append(out, m)
	}
	return out
}

func (s *Server) adminDump() (map[string]any, error) {
	expiry := map[string][]int64{}
	for at, ids := range s.sessions.tracker.Buckets() {
		expiry[strconv.FormatInt(at, 10)] = ids
	}
	eph := map[string][]string{}
	for id, paths := range s.tree.AllEphemerals() {
		eph[strconv.FormatInt(id, 10)] = paths
	}
	return map[string]any{"expiry_time_to_session_ids": expiry, "session_id_to_ephemeral_paths": eph}, nil
}

func (s *Server) adminEnv() (map[string]any, error) {
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return map[string]any{
		"zookeeper.version": s.versionString(),
		"host.name":         host,
		"go.version":        runtime.Version(),
		"os.name":           runtime.GOOS,
		"os.arch":           runtime.GOARCH,
		"user.dir":          wd,
		"os.memory.total":   strconv.FormatUint(ms.Sys>>20, 10) + "MB", // what the runtime holds from the OS
	}, nil
}

// adminMonitor is mntr's keys without their zk_ prefix, as ZooKeeper's
// monitor command returns them.
// systemProperties stands for the JVM's system properties in a Go process:
// the names Java gives to what a Go process also has (os.*, user.*, the
// separators), the Go runtime's settings and the build's, and the GO*
// environment variables that tune the runtime, as the -D flags tune a JVM.
// Values are strings, as Java's are.
func systemProperties() map[string]any {
	wd, _ := os.Getwd()
	exe, _ := os.Executable()
	home, _ := os.UserHomeDir()
	m := map[string]any{
		"file.separator":     string(os.PathSeparator),
		"path.separator":     string(os.PathListSeparator),
		"line.separator":     "\n",
		"os.name":            runtime.GOOS,
		"os.arch":            runtime.GOARCH,
		"user.dir":           wd,
		"user.home":          home,
		"os.tmpdir":          os.TempDir(),
		"process.pid":        strconv.Itoa(os.Getpid()),
		"process.executable": exe,
		"go.version":         runtime.Version(),
		"go.compiler":        runtime.Compiler,
		"go.num_cpu":         strconv.Itoa(runtime.NumCPU()),
		"go.maxprocs":        strconv.Itoa(runtime.GOMAXPROCS(0)),
		"go.memory_limit":    strconv.FormatInt(debug.SetMemoryLimit(-1), 10), // -1 reads it
	}
	if u, err := user.Current(); err == nil {
		m["user.name"] = u.Username
	}
	for _, v := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG", "GOTRACEBACK"} {
		if val, ok := os.LookupEnv(v); ok {
			m["env."+v] = val
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		m["build.path"] = bi.Path
		m["build.main.version"] = bi.Main.Version
		for _, st := range bi.Settings {
			m["build."+st.Key] = st.Value
		}
	}
	return m
}

func (s *Server) adminMonitor() (map[string]any, error) {
	vals := s.monitorValues()
	out := make(map[string]any, len(vals))
	for _, v := range vals {
		out[v.key] = v.value
	}
	return out, nil
}

func (s *Server) adminStats(withConns bool) map[string]any {
	lmin, lavg, lmax := s.stats.latency()
	last, rmin, rmax := s.stats.responseSizes()
	resp := map[string]any{"last_buffer_size": last, "min_buffer_size": rmin, "max_buffer_size": rmax}
	out := map[string]any{
		"version":   s.versionString(),
		"read_only": false,
		"server_stats": map[string]any{
			"packets_sent":                 s.stats.sent.Load(),
			"packets_received":             s.stats.received.Load(),
			"fsync_threshold_exceed_count": 0,
			"client_response_stats":        resp,
			"data_dir_size":                dirSize(s.cfg.DataDir),
			"log_dir_size":                 dirSize(s.logDir()),
			"provider_null":                false,
			"server_state":                 "standalone",
			"last_processed_zxid":          int64(s.tree.LastZxid()),
			"outstanding_requests":         s.outstanding(),
			"avg_latency":                  lavg,
			"max_latency":                  lmax,
			"min_latency":                  lmin,
			"num_alive_client_connections": s.connCount(),
			"uptime":                       s.cfg.Now().Sub(s.started).Milliseconds(),
			"auth_failed_count":            0,
			"non_mtlsremote_conn_count":    0,
			"non_mtlslocal_conn_count":     0,
		},
		"client_response": resp,
		"node_count":      s.tree.NodeCount(),
	}
	if withConns {
		out["connections"] = s.adminConns(false)
		out["secure_connections"] = []any{}
	}
	return out
}

func (s *Server) adminWatches() (map[string]any, error) {
	out := map[string][]string{}
	for w, paths := range s.watches.ByWatcher() {
		if c, ok := w.(*conn); ok {
			p := slices.Clone(paths)
			slices.Sort(p)
			out[strconv.FormatInt(c.sessionID(), 10)] = p
		}
	}
	return map[string]any{"session_id_to_watched_paths": out}, nil
}

func (s *Server) adminWatchesByPath() (map[string]any, error) {
	out := map[string][]int64{}
	for path, ws := range s.watches.ByPath() {
		for _, w := range ws {
			if c, ok := w.(*conn); ok {
				out[path] = append(out[path], c.sessionID())
			}
		}
	}
	return map[string]any{"path_to_session_ids": out}, nil
}
