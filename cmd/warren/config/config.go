// Package config is Warren's configuration: one struct tree with koanf tags,
// its defaults (default.yaml, embedded), and the loaders that build it from a
// YAML file, an Apache ZooKeeper zoo.cfg, WARREN_* environment variables and
// command-line flags.
//
// Sources are applied in this order, each overriding the ones before it:
//
//	defaults (default.yaml) < zoo.cfg (--zoo-cfg) < YAML (--config) < WARREN_* environment < flags
//
// A key no source knows about is an error naming the key and the source
// (unknown keys are never silently ignored), except in a zoo.cfg, where keys
// Warren does not use are returned as a list for the caller to log, because
// a real zoo.cfg carries many JVM and ZooKeeper-only settings.
//
// docs/configuration.md documents every key.
package config

import (
	"time"
)

// DefaultStorageBackend is the storage backend a node uses unless configured
// otherwise: the file write-ahead log. default.yaml must say the same (a
// test checks it).
const DefaultStorageBackend = "wal"

// Config is the whole configuration of a Warren node.
type Config struct {
	Server    Server    `koanf:"server"`
	Storage   Storage   `koanf:"storage"`
	Transport Transport `koanf:"transport"`
	Auth      Auth      `koanf:"auth"`
	Metrics   Metrics   `koanf:"metrics"`
	Admin     Admin     `koanf:"admin"`
	Log       Log       `koanf:"log"`
}

// Server holds the ZooKeeper server settings; each field names its zoo.cfg
// key (or the JVM system property ZooKeeper reads it from) and its default.
type Server struct {
	// ID is this server's id in the ensemble (zoo.cfg: the myid file in
	// dataDir). Default 0: a standalone server. In an ensemble it must be
	// one of Servers, 1..255 (1..254 with extended types, as in ZooKeeper).
	ID int64 `koanf:"id"`
	// TickTime is the basic time unit; heartbeats, session timeout bounds
	// and the init/sync limits are multiples of it (tickTime, in ms).
	// Default 2s.
	TickTime time.Duration `koanf:"tick_time"`
	// InitLimit is how many ticks a follower may take to connect to and sync
	// with the leader (initLimit). Default 10.
	InitLimit int `koanf:"init_limit"`
	// SyncLimit is how many ticks a follower may lag behind the leader
	// before it is dropped (syncLimit). Default 5.
	SyncLimit int `koanf:"sync_limit"`
	// ClientAddr is the host:port clients connect to; an empty host means
	// every interface (clientPortAddress and clientPort). Default ":2181".
	ClientAddr string `koanf:"client_addr"`
	// MaxClientCnxns limits concurrent connections from one IP address;
	// 0 means no limit (maxClientCnxns). Default 60.
	MaxClientCnxns int `koanf:"max_client_cnxns"`
	// MinSessionTimeout is the smallest session timeout granted; 0 means
	// 2 × TickTime (minSessionTimeout, in ms; -1 there means the same).
	// Default 0.
	MinSessionTimeout time.Duration `koanf:"min_session_timeout"`
	// MaxSessionTimeout is the largest session timeout granted; 0 means
	// 20 × TickTime (maxSessionTimeout). Default 0.
	MaxSessionTimeout time.Duration `koanf:"max_session_timeout"`
	// DataDir holds snapshots, and the txn log unless DataLogDir is set
	// (dataDir). Default "./warren-data".
	DataDir string `koanf:"data_dir"`
	// DataLogDir holds the txn log, ideally on its own device; "" means
	// DataDir (dataLogDir). Default "".
	DataLogDir string `koanf:"data_log_dir"`
	// SnapCount is how many txns are logged between snapshots, randomised
	// by up to half as in ZooKeeper (snapCount / zookeeper.snapCount).
	// Default 100000; at least 2.
	SnapCount int `koanf:"snap_count"`
	// SnapLogFraction makes a snapshot also wait until the txns logged
	// since the last one add up to this fraction of its size, so that a
	// big tree under heavy writes is not written out every snap_count
	// txns; 0 keeps ZooKeeper's rule (snap_count alone). Warren's own.
	// Default 0.25.
	SnapLogFraction float64 `koanf:"snap_log_fraction"`
	// PreAllocSize is how many bytes txn log segments are preallocated by
	// (preAllocSize / zookeeper.preAllocSize, in KiB there). Default 64 MiB;
	// 0 disables preallocation.
	PreAllocSize int64 `koanf:"prealloc_size"`
	// ForceSync makes the txn log fsync before a txn is acknowledged
	// (forceSync / zookeeper.forceSync, yes|no). Default true.
	ForceSync bool `koanf:"force_sync"`
	// JuteMaxBuffer is the largest request or record, in bytes, the server
	// accepts; a bigger frame closes the connection (jute.maxbuffer).
	// Default 1048575 (0xfffff).
	JuteMaxBuffer int `koanf:"jute_max_buffer"`
	// ExtendedTypesEnabled enables TTL nodes (createTTL) and limits ID to
	// 254 (zookeeper.extendedTypesEnabled). Default true: unlike ZooKeeper,
	// whose default is false, Warren serves TTL nodes out of the box.
	ExtendedTypesEnabled bool `koanf:"extended_types_enabled"`
	// ContainerCheckInterval is how often container and TTL nodes are
	// checked for deletion (znode.container.checkIntervalMs). Default 60s.
	ContainerCheckInterval time.Duration `koanf:"container_check_interval"`
	// ContainerMaxPerMinute caps container and TTL node deletions per minute
	// (znode.container.maxPerMinute). Default 10000.
	ContainerMaxPerMinute int `koanf:"container_max_per_minute"`
	// ReadOnlyMode lets a server cut off from the quorum keep serving reads
	// to read-only clients (readonlymode.enabled). Default false.
	ReadOnlyMode bool `koanf:"read_only_mode"`
	// FourLetterWords lists the four-letter commands answered on the client
	// port; "*" means all (4lw.commands.whitelist). Default ["srvr"], as in
	// ZooKeeper 3.9, which also always enables srvr, and isro in read-only
	// mode, whatever the list says.
	FourLetterWords []string `koanf:"four_letter_words"`
	// Autopurge removes old snapshots and txn logs.
	Autopurge Autopurge `koanf:"autopurge"`
	// Servers are the ensemble members (server.N lines); empty for a
	// standalone server. Parsed now, used by replication.
	Servers []ServerSpec `koanf:"servers"`
}

// Autopurge configures the periodic purge of old snapshots and logs.
type Autopurge struct {
	// SnapRetainCount is how many recent snapshots (and the logs they
	// need) are kept (autopurge.snapRetainCount). Default 3, the minimum.
	SnapRetainCount int `koanf:"snap_retain_count"`
	// PurgeInterval is how often the purge runs; 0 disables it
	// (autopurge.purgeInterval, in hours). Default 0.
	PurgeInterval time.Duration `koanf:"purge_interval"`
}

// Roles of an ensemble member.
const (
	RoleParticipant = "participant" // votes, may lead
	RoleObserver    = "observer"    // follows without voting
)

// ServerSpec is one ensemble member, a zoo.cfg line
// server.ID=Host:QuorumPort:ElectionPort[:Role][;ClientAddr].
type ServerSpec struct {
	// ID is the member's server id (the N of server.N).
	ID int64 `koanf:"id"`
	// Host is the member's host name or IP address for peer traffic.
	Host string `koanf:"host"`
	// QuorumPort is where followers connect to the leader.
	QuorumPort int `koanf:"quorum_port"`
	// ElectionPort is where leader election connections go.
	ElectionPort int `koanf:"election_port"`
	// Role is RoleParticipant (the default when empty) or RoleObserver.
	Role string `koanf:"role"`
	// ClientAddr is the member's client host:port, or "" if not given.
	ClientAddr string `koanf:"client_addr"`
}

// Storage selects the storage plugin.
type Storage struct {
	// Backend names the storage plugin. Default DefaultStorageBackend.
	Backend string `koanf:"backend"`
	// Options are passed to the backend, which validates them. Default empty.
	Options map[string]any `koanf:"options"`
}

// Transport selects the transport plugins.
type Transport struct {
	// Client is the transport of the client port.
	Client TransportPlugin `koanf:"client"`
}

// TransportPlugin names a transport plugin and its options.
type TransportPlugin struct {
	// Name names the transport plugin. Default "tcp".
	Name string `koanf:"name"`
	// Options are passed to the plugin, which validates them. Default empty.
	Options map[string]any `koanf:"options"`
}

// Auth configures ACL schemes and the super user; its fields are what
// auth.Checker needs.
type Auth struct {
	// Schemes are the ACL schemes enabled, by registered name (addauth and
	// ACL entries of other schemes fail). "auth" and "super" are built into
	// the ACL rules and are not listed. Default ["digest", "ip", "world"],
	// the providers ZooKeeper enables by default.
	Schemes []string `koanf:"schemes"`
	// SuperDigest is "super:<base64 sha1>" as auth.DigestOf("super:pw")
	// gives it; addauth digest super:pw then grants every permission
	// (zookeeper.DigestAuthenticationProvider.superDigest). Default "" (off).
	SuperDigest string `koanf:"super_digest"`
	// SkipACL turns off every ACL check (zookeeper.skipACL=yes).
	// Default false.
	SkipACL bool `koanf:"skip_acl"`
	// Plugins are external ACL schemes, each a program Warren runs and
	// restarts (docs/plugins.md). Listing a plugin enables its scheme.
	// Default none.
	Plugins []AuthPlugin `koanf:"plugins"`
}

// AuthPlugin is one external ACL scheme (an entry of auth.plugins).
type AuthPlugin struct {
	// Name is the scheme the plugin serves, as in ACL ids and addauth; the
	// plugin must declare the same.
	Name string `koanf:"name"`
	// Path is the plugin's executable.
	Path string `koanf:"path"`
	// Args are the plugin's command-line arguments.
	Args []string `koanf:"args"`
	// Timeout bounds every call to the plugin (addauth, health checks)
	// other than the request-path ones. Default 0: 2s.
	Timeout time.Duration `koanf:"timeout"`
	// MatchTimeout bounds the calls made on the request path (validating
	// and matching ACL ids the plugin matches itself); past it they deny.
	// Default 0: 100ms.
	MatchTimeout time.Duration `koanf:"match_timeout"`
}

// Metrics configures the Prometheus endpoint (ZooKeeper's
// PrometheusMetricsProvider); docs/metrics.md lists the series.
type Metrics struct {
	// Enabled serves metrics (metricsProvider.className set to
	// ZooKeeper's PrometheusMetricsProvider). Default false, as in ZooKeeper.
	Enabled bool `koanf:"enabled"`
	// HTTPHost is the address the endpoint listens on
	// (metricsProvider.httpHost). Default "0.0.0.0".
	HTTPHost string `koanf:"http_host"`
	// HTTPPort is the endpoint's port; 0 picks a free one
	// (metricsProvider.httpPort). Default 7000.
	HTTPPort int `koanf:"http_port"`
}

// Admin configures the AdminServer, ZooKeeper's HTTP command interface.
type Admin struct {
	// EnableServer serves the commands (admin.enableServer). Default true,
	// as in ZooKeeper.
	EnableServer bool `koanf:"enable_server"`
	// ServerAddress is the address it listens on (admin.serverAddress).
	// Default "0.0.0.0".
	ServerAddress string `koanf:"server_address"`
	// ServerPort is its port; 0 picks a free one (admin.serverPort).
	// Default 8080.
	ServerPort int `koanf:"server_port"`
	// CommandURL is the path the commands are under (admin.commandURL).
	// Default "/commands".
	CommandURL string `koanf:"command_url"`
}

// Log configures the node's log output.
type Log struct {
	// Level is debug, info, warn or error. Default "info".
	Level string `koanf:"level"`
	// Format is text or json. Default "text".
	Format string `koanf:"format"`
}

// SessionTimeouts returns the bounds a negotiated session timeout is clamped
// to, with the zero values replaced by 2 and 20 ticks as ZooKeeper does.
func (s Server) SessionTimeouts() (lo, hi time.Duration) {
	lo, hi = s.MinSessionTimeout, s.MaxSessionTimeout
	if lo == 0 {
		lo = 2 * s.TickTime
	}
	if hi == 0 {
		hi = 20 * s.TickTime
	}
	return lo, hi
}

// LogDir returns DataLogDir, or DataDir when it is empty.
func (s Server) LogDir() string {
	if s.DataLogDir != "" {
		return s.DataLogDir
	}
	return s.DataDir
}

// Default returns the built-in defaults, as documented on each field.
func Default() Config {
	cfg, err := decode(mustDefaults())
	if err != nil {
		panic("config: embedded default.yaml does not decode: " + err.Error())
	}
	return cfg
}
