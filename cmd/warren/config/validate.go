package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/plugins"
)

// maxExtendedServerID is the largest server id when extended types (TTL
// nodes) are enabled: the id shares the ephemeral owner field with the type
// marker (ZooKeeper's EphemeralType.MAX_EXTENDED_SERVER_ID).
const maxExtendedServerID = 254

// Validate reports every problem in c at once, one line per key: addresses,
// ports, positive times and counts, session timeout bounds, the ensemble
// list, and names that must come from a fixed set.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, args...)...))
	}
	s := c.Server
	if s.TickTime <= 0 {
		bad("server.tick_time", "must be positive, got %v", s.TickTime)
	}
	if s.InitLimit < 0 || len(s.Servers) > 1 && s.InitLimit == 0 {
		bad("server.init_limit", "must be positive, got %d", s.InitLimit)
	}
	if s.SyncLimit < 0 || len(s.Servers) > 1 && s.SyncLimit == 0 {
		bad("server.sync_limit", "must be positive, got %d", s.SyncLimit)
	}
	if err := checkHostPort(s.ClientAddr); err != nil {
		bad("server.client_addr", "%v", err)
	}
	if s.MaxClientCnxns < 0 {
		bad("server.max_client_cnxns", "must be 0 (no limit) or more, got %d", s.MaxClientCnxns)
	}
	if s.MinSessionTimeout < 0 {
		bad("server.min_session_timeout", "must be 0 (2 ticks) or more, got %v", s.MinSessionTimeout)
	}
	if s.MaxSessionTimeout < 0 {
		bad("server.max_session_timeout", "must be 0 (20 ticks) or more, got %v", s.MaxSessionTimeout)
	}
	if lo, hi := s.SessionTimeouts(); s.TickTime > 0 && s.MinSessionTimeout >= 0 && s.MaxSessionTimeout >= 0 && lo > hi {
		bad("server.min_session_timeout", "%v is above server.max_session_timeout %v", lo, hi)
	}
	if s.DataDir == "" {
		bad("server.data_dir", "must be set")
	}
	if s.SnapCount < 2 {
		bad("server.snap_count", "must be at least 2, got %d", s.SnapCount)
	}
	if !(s.SnapLogFraction >= 0 && s.SnapLogFraction <= 100) { // NaN too
		bad("server.snap_log_fraction", "must be between 0 and 100, got %v", s.SnapLogFraction)
	}
	if s.PreAllocSize < 0 {
		bad("server.prealloc_size", "must be 0 (off) or more, got %d", s.PreAllocSize)
	}
	if s.JuteMaxBuffer <= 0 {
		bad("server.jute_max_buffer", "must be positive, got %d", s.JuteMaxBuffer)
	}
	if s.ContainerCheckInterval <= 0 {
		bad("server.container_check_interval", "must be positive, got %v", s.ContainerCheckInterval)
	}
	if s.ContainerMaxPerMinute <= 0 {
		bad("server.container_max_per_minute", "must be positive, got %d", s.ContainerMaxPerMinute)
	}
	for _, w := range s.FourLetterWords {
		if w != "*" && !isFourLetterWord(w) {
			bad("server.four_letter_words", "%q is not a four-letter word or \"*\"", w)
		}
	}
	if s.Autopurge.SnapRetainCount < 3 {
		bad("server.autopurge.snap_retain_count", "must be at least 3, got %d", s.Autopurge.SnapRetainCount)
	}
	if s.Autopurge.PurgeInterval < 0 {
		bad("server.autopurge.purge_interval", "must be 0 (off) or more, got %v", s.Autopurge.PurgeInterval)
	}
	errs = append(errs, s.validateEnsemble()...)

	if c.Storage.Backend == "" {
		bad("storage.backend", "must name a storage plugin")
	}
	if c.Transport.Client.Name == "" {
		bad("transport.client.name", "must name a transport plugin")
	}
	for _, name := range c.Auth.Schemes {
		if name == "" || name == auth.SchemeAuth || name == auth.SchemeSuper {
			bad("auth.schemes", "%q is not a scheme name (auth and super are always handled)", name)
		}
	}
	pluginNames := map[string]bool{}
	for i, pl := range c.Auth.Plugins {
		key := "auth.plugins[" + strconv.Itoa(i) + "]"
		if err := plugins.CheckName(pl.Name); err != nil {
			bad(key+".name", "%v", err)
		} else if pluginNames[pl.Name] {
			bad(key+".name", "scheme %q is listed twice", pl.Name)
		}
		pluginNames[pl.Name] = true
		if pl.Path == "" {
			bad(key+".path", "must name the plugin's executable")
		}
		if pl.Timeout < 0 {
			bad(key+".timeout", "must be 0 (the default, 2s) or more, got %v", pl.Timeout)
		}
		if pl.MatchTimeout < 0 {
			bad(key+".match_timeout", "must be 0 (the default, 100ms) or more, got %v", pl.MatchTimeout)
		}
	}
	if c.Auth.SuperDigest != "" && !(auth.Digest{}).ValidID(c.Auth.SuperDigest) {
		bad("auth.super_digest", "%q is not user:base64(sha1(user:password))", c.Auth.SuperDigest)
	}
	if err := checkPort(c.Metrics.HTTPPort); c.Metrics.Enabled && err != nil {
		bad("metrics.http_port", "%v", err)
	}
	if err := checkPort(c.Admin.ServerPort); c.Admin.EnableServer && err != nil {
		bad("admin.server_port", "%v", err)
	}
	if c.Admin.EnableServer && !strings.HasPrefix(c.Admin.CommandURL, "/") {
		bad("admin.command_url", "%q must start with /", c.Admin.CommandURL)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q is not text or json", c.Log.Format)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config: invalid:\n%w", err)
	}
	return nil
}

// validateEnsemble checks the server id against the server list.
func (s Server) validateEnsemble() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, args...)...))
	}
	if s.ID < 0 {
		bad("server.id", "must be 0 (standalone) or more, got %d", s.ID)
	}
	if s.ExtendedTypesEnabled && s.ID > maxExtendedServerID {
		bad("server.id", "%d is above %d, the largest id with server.extended_types_enabled", s.ID, maxExtendedServerID)
	}
	seen := make(map[int64]bool)
	voters, self := 0, false
	for i, spec := range s.Servers {
		key := "server.servers[" + strconv.Itoa(i) + "]"
		if spec.ID < 1 || spec.ID > 255 {
			bad(key+".id", "%d is not between 1 and 255", spec.ID)
		}
		if seen[spec.ID] {
			bad(key+".id", "server %d is listed twice", spec.ID)
		}
		seen[spec.ID] = true
		self = self || spec.ID == s.ID
		if spec.Host == "" {
			bad(key+".host", "must be set")
		}
		for _, p := range []struct {
			name string
			port int
		}{{"quorum_port", spec.QuorumPort}, {"election_port", spec.ElectionPort}} {
			if p.port < 1 || p.port > 65535 {
				bad(key+"."+p.name, "%d is not a port", p.port)
			}
		}
		if spec.QuorumPort == spec.ElectionPort {
			bad(key, "quorum_port and election_port must differ")
		}
		switch spec.Role {
		case "", RoleParticipant:
			voters++
		case RoleObserver:
		default:
			bad(key+".role", "%q is not participant or observer", spec.Role)
		}
		if spec.ClientAddr != "" {
			if err := checkHostPort(spec.ClientAddr); err != nil {
				bad(key+".client_addr", "%v", err)
			}
		}
	}
	switch {
	case len(s.Servers) > 0 && voters == 0:
		bad("server.servers", "has no participant")
	case len(s.Servers) > 1 && s.ID == 0:
		bad("server.id", "must be set to this server's id in server.servers")
	case s.ID != 0 && len(s.Servers) > 0 && !self:
		bad("server.id", "%d is not in server.servers", s.ID)
	}
	return errs
}

// checkHostPort checks a host:port to listen on; port 0 picks a free port.
func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a port number", addr, port)
	}
	return nil
}

func checkPort(port int) error {
	if port < 0 || port > 65535 {
		return fmt.Errorf("%d is not a port number", port)
	}
	return nil
}

func isFourLetterWord(w string) bool {
	return len(w) == 4 && strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
}
