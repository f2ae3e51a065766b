package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ensemble := func(c *Config) {
		c.Server.ID = 1
		c.Server.Servers = []ServerSpec{
			{ID: 1, Host: "a", QuorumPort: 2888, ElectionPort: 3888},
			{ID: 2, Host: "b", QuorumPort: 2888, ElectionPort: 3888, Role: RoleParticipant},
			{ID: 3, Host: "c", QuorumPort: 2888, ElectionPort: 3888, Role: RoleObserver, ClientAddr: "c:2181"},
		}
	}
	tests := []struct {
		name    string
		edit    func(c *Config)
		wantErr string // "" = valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"ensemble", ensemble, ""},
		{"port 0 picks a free port", func(c *Config) { c.Server.ClientAddr = "127.0.0.1:0" }, ""},
		{"ipv6 client addr", func(c *Config) { c.Server.ClientAddr = "[::1]:2181" }, ""},
		{"explicit timeouts", func(c *Config) { c.Server.MinSessionTimeout, c.Server.MaxSessionTimeout = time.Second, time.Second }, ""},
		{"all 4lw", func(c *Config) { c.Server.FourLetterWords = []string{"*"} }, ""},
		{"no 4lw", func(c *Config) { c.Server.FourLetterWords = nil }, ""},
		{"super digest", func(c *Config) { c.Auth.SuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" }, ""},
		{"auth plugin", func(c *Config) {
			c.Auth.Plugins = []AuthPlugin{{Name: "token", Path: "/usr/lib/warren/plugins/warren-auth-token", Timeout: time.Second}}
		}, ""},
		{"auth plugin without name", func(c *Config) { c.Auth.Plugins = []AuthPlugin{{Path: "/p"}} }, "auth.plugins[0].name: the scheme name is empty"},
		{"auth plugin named as a built-in", func(c *Config) { c.Auth.Plugins = []AuthPlugin{{Name: "digest", Path: "/p"}} }, "auth.plugins[0].name: \"digest\" is a built-in scheme"},
		{"auth plugin named super", func(c *Config) { c.Auth.Plugins = []AuthPlugin{{Name: "super", Path: "/p"}} }, "pseudo-scheme"},
		{"auth plugin twice", func(c *Config) {
			c.Auth.Plugins = []AuthPlugin{{Name: "t", Path: "/p"}, {Name: "t", Path: "/q"}}
		}, "auth.plugins[1].name: scheme \"t\" is listed twice"},
		{"auth plugin without path", func(c *Config) { c.Auth.Plugins = []AuthPlugin{{Name: "t"}} }, "auth.plugins[0].path"},
		{"auth plugin negative timeout", func(c *Config) { c.Auth.Plugins = []AuthPlugin{{Name: "t", Path: "/p", Timeout: -1}} }, "auth.plugins[0].timeout"},
		{"auth plugin negative match timeout", func(c *Config) {
			c.Auth.Plugins = []AuthPlugin{{Name: "t", Path: "/p", MatchTimeout: -1}}
		}, "auth.plugins[0].match_timeout"},
		{"single server line, standalone", func(c *Config) {
			c.Server.Servers = []ServerSpec{{ID: 1, Host: "a", QuorumPort: 1, ElectionPort: 2}}
		}, ""},

		{"tick", func(c *Config) { c.Server.TickTime = 0 }, "server.tick_time: must be positive"},
		{"init limit", func(c *Config) { c.Server.InitLimit = -1 }, "server.init_limit"},
		{"init limit in ensemble", func(c *Config) { ensemble(c); c.Server.InitLimit = 0 }, "server.init_limit"},
		{"sync limit in ensemble", func(c *Config) { ensemble(c); c.Server.SyncLimit = 0 }, "server.sync_limit"},
		{"client addr without port", func(c *Config) { c.Server.ClientAddr = "localhost" }, "server.client_addr"},
		{"client addr bad port", func(c *Config) { c.Server.ClientAddr = ":http" }, "server.client_addr"},
		{"client addr port range", func(c *Config) { c.Server.ClientAddr = ":65536" }, "server.client_addr"},
		{"max cnxns", func(c *Config) { c.Server.MaxClientCnxns = -1 }, "server.max_client_cnxns"},
		{"min above max", func(c *Config) { c.Server.MinSessionTimeout = time.Minute }, "server.min_session_timeout: 1m0s is above server.max_session_timeout 40s"},
		{"explicit min above explicit max", func(c *Config) {
			c.Server.MinSessionTimeout, c.Server.MaxSessionTimeout = 10*time.Second, 5*time.Second
		}, "is above"},
		{"negative min", func(c *Config) { c.Server.MinSessionTimeout = -time.Second }, "server.min_session_timeout: must be 0"},
		{"negative max", func(c *Config) { c.Server.MaxSessionTimeout = -time.Second }, "server.max_session_timeout"},
		{"data dir", func(c *Config) { c.Server.DataDir = "" }, "server.data_dir: must be set"},
		{"snap count", func(c *Config) { c.Server.SnapCount = 1 }, "server.snap_count"},
		{"prealloc", func(c *Config) { c.Server.PreAllocSize = -1 }, "server.prealloc_size"},
		{"jute", func(c *Config) { c.Server.JuteMaxBuffer = 0 }, "server.jute_max_buffer"},
		{"container interval", func(c *Config) { c.Server.ContainerCheckInterval = 0 }, "server.container_check_interval"},
		{"container rate", func(c *Config) { c.Server.ContainerMaxPerMinute = 0 }, "server.container_max_per_minute"},
		{"4lw", func(c *Config) { c.Server.FourLetterWords = []string{"srvr", "STAT", "stats"} }, `"STAT" is not a four-letter word`},
		{"retain", func(c *Config) { c.Server.Autopurge.SnapRetainCount = 2 }, "server.autopurge.snap_retain_count"},
		{"purge", func(c *Config) { c.Server.Autopurge.PurgeInterval = -time.Hour }, "server.autopurge.purge_interval"},
		{"negative id", func(c *Config) { c.Server.ID = -1 }, "server.id"},
		{"id too big for TTL", func(c *Config) { c.Server.ID = 255 }, "server.id: 255 is above 254"},
		{"id 255 without extended types", func(c *Config) { c.Server.ID = 255; c.Server.ExtendedTypesEnabled = false }, ""},
		{"id not in servers", func(c *Config) { ensemble(c); c.Server.ID = 9 }, "server.id: 9 is not in server.servers"},
		{"ensemble without id", func(c *Config) { ensemble(c); c.Server.ID = 0 }, "server.id: must be set"},
		{"duplicate server", func(c *Config) { ensemble(c); c.Server.Servers[1].ID = 1 }, "server.servers[1].id: server 1 is listed twice"},
		{"server id range", func(c *Config) { ensemble(c); c.Server.Servers[2].ID = 256 }, "server.servers[2].id: 256 is not between 1 and 255"},
		{"server host", func(c *Config) { ensemble(c); c.Server.Servers[0].Host = "" }, "server.servers[0].host"},
		{"server port", func(c *Config) { ensemble(c); c.Server.Servers[0].QuorumPort = 0 }, "server.servers[0].quorum_port"},
		{"server same ports", func(c *Config) { ensemble(c); c.Server.Servers[0].ElectionPort = 2888 }, "quorum_port and election_port must differ"},
		{"server role", func(c *Config) { ensemble(c); c.Server.Servers[0].Role = "leader" }, "server.servers[0].role"},
		{"server client addr", func(c *Config) { ensemble(c); c.Server.Servers[2].ClientAddr = "c" }, "server.servers[2].client_addr"},
		{"observers only", func(c *Config) {
			c.Server.ID = 1
			c.Server.Servers = []ServerSpec{{ID: 1, Host: "a", QuorumPort: 1, ElectionPort: 2, Role: RoleObserver}}
		}, "server.servers: has no participant"},
		{"storage", func(c *Config) { c.Storage.Backend = "" }, "storage.backend"},
		{"transport", func(c *Config) { c.Transport.Client.Name = "" }, "transport.client.name"},
		{"auth pseudo-scheme listed", func(c *Config) { c.Auth.Schemes = []string{"digest", "auth"} }, `auth.schemes: "auth"`},
		{"bad super digest", func(c *Config) { c.Auth.SuperDigest = "super" }, "auth.super_digest"},
		{"log level", func(c *Config) { c.Log.Level = "trace" }, "log.level"},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, "log.format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := Default()
	c.Server.TickTime = 0
	c.Server.DataDir = ""
	c.Log.Format = "xml"
	err := c.Validate()
	for _, key := range []string{"server.tick_time", "server.data_dir", "log.format"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not mention %s", err, key)
		}
	}
}
