package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// zooAliases maps the other spellings of a zoo.cfg key to the one the switch
// in applyZooKey handles. ZooKeeper turns a zoo.cfg key it does not know, K,
// into the JVM property zookeeper.K, so "snapCount" in zoo.cfg and
// -Dzookeeper.snapCount are the same setting; Warren accepts both spellings in
// zoo.cfg, and also accepts there the properties ZooKeeper only reads from
// the JVM command line (jute.maxbuffer, znode.container.*, readonlymode.enabled).
var zooAliases = map[string]string{
	"zookeeper.snapCount":                                "snapCount",
	"zookeeper.preAllocSize":                             "preAllocSize",
	"zookeeper.forceSync":                                "forceSync",
	"zookeeper.jute.maxbuffer":                           "jute.maxbuffer",
	"zookeeper.4lw.commands.whitelist":                   "4lw.commands.whitelist",
	"zookeeper.extendedTypesEnabled":                     "extendedTypesEnabled",
	"zookeeper.skipACL":                                  "skipACL",
	"zookeeper.znode.container.checkIntervalMs":          "znode.container.checkIntervalMs",
	"zookeeper.znode.container.maxPerMinute":             "znode.container.maxPerMinute",
	"zookeeper.readonlymode.enabled":                     "readonlymode.enabled",
	"zookeeper.DigestAuthenticationProvider.superDigest": "DigestAuthenticationProvider.superDigest",
	"zookeeper.admin.enableServer":                       "admin.enableServer",
	"zookeeper.admin.serverAddress":                      "admin.serverAddress",
	"zookeeper.admin.serverPort":                         "admin.serverPort",
	"zookeeper.admin.commandURL":                         "admin.commandURL",
}

// zooCfg is the state of one LoadZooCfg call.
type zooCfg struct {
	cfg           Config
	path          string
	clientPort    string // "" if not set
	clientAddress string // clientPortAddress, "" if not set
	servers       []ServerSpec
	dynamicFile   string
	ignored       []string
}

// LoadZooCfg reads an Apache ZooKeeper zoo.cfg at path onto base and returns
// the result. The file is in Java properties syntax (key=value or key: value,
// # and ! comments, backslash continuations and escapes; keys and values
// trimmed; a later key wins) read as UTF-8. Recognised keys, with the Config
// field each sets:
//
//	tickTime, initLimit, syncLimit                 Server.TickTime (ms), InitLimit, SyncLimit
//	dataDir, dataLogDir                            Server.DataDir, DataLogDir
//	clientPort, clientPortAddress                  Server.ClientAddr
//	maxClientCnxns                                 Server.MaxClientCnxns
//	minSessionTimeout, maxSessionTimeout           Server.Min/MaxSessionTimeout (ms; -1 = default)
//	autopurge.snapRetainCount, .purgeInterval      Server.Autopurge (count, raised to 3; hours)
//	snapCount, preAllocSize (KiB), forceSync       Server.SnapCount, PreAllocSize, ForceSync (yes|no)
//	jute.maxbuffer                                 Server.JuteMaxBuffer
//	4lw.commands.whitelist                         Server.FourLetterWords (comma separated)
//	extendedTypesEnabled                           Server.ExtendedTypesEnabled (true|false)
//	skipACL                                        Auth.SkipACL (yes|no)
//	znode.container.checkIntervalMs, .maxPerMinute Server.ContainerCheckInterval, ContainerMaxPerMinute
//	readonlymode.enabled                           Server.ReadOnlyMode (true|false)
//	DigestAuthenticationProvider.superDigest       Auth.SuperDigest
//	metricsProvider.className, .httpHost, .httpPort Metrics (Prometheus's provider enables it)
//	admin.enableServer, .serverAddress, .serverPort, .commandURL   Admin
//	server.N=host:port:port[:participant|observer][;[host:]port]   Server.Servers
//	dynamicConfigFile                              a file holding the server.N lines
//	peerType                                       checked (observer|participant), the server.N role wins
//
// Keys ZooKeeper reads as JVM properties may also be written with their
// "zookeeper." prefix. When there are server.N lines, Server.ID is read from
// the myid file in dataDir (required with more than one server), and the
// client address of this server's line, if any, becomes Server.ClientAddr.
//
// Every other key is returned in ignored, sorted, for the caller to log;
// hierarchical quorums (group.N, weight.N) are an error. A malformed value is
// an error naming the file, line and key: `zoo.cfg:7: tickTime: "abc" is not
// a number`. Unlike ZooKeeper, yes/no and true/false settings refuse other
// words instead of reading them as the default.
func LoadZooCfg(path string, base Config) (cfg Config, ignored []string, err error) {
	props, err := readProperties(path)
	if err != nil {
		return Config{}, nil, err
	}
	z := &zooCfg{cfg: base, path: path}
	z.cfg.Server.FourLetterWords = slices.Clone(base.Server.FourLetterWords)
	for _, p := range props {
		if err := z.apply(p, false); err != nil {
			return Config{}, nil, err
		}
	}
	if z.dynamicFile != "" {
		for _, p := range props {
			if strings.HasPrefix(p.key, "server.") {
				return Config{}, nil, p.errorf("must be in the dynamic config file %s", z.dynamicFile)
			}
		}
		dyn, err := readProperties(z.dynamicFile)
		if err != nil {
			return Config{}, nil, err
		}
		for _, p := range dyn {
			if err := z.apply(p, true); err != nil {
				return Config{}, nil, err
			}
		}
	}
	if err := z.finish(); err != nil {
		return Config{}, nil, err
	}
	slices.Sort(z.ignored)
	return z.cfg, slices.Compact(z.ignored), nil
}

// apply sets the field of one property; dynamic is true for the lines of a
// dynamicConfigFile, which may only hold server.N and version.
func (z *zooCfg) apply(p property, dynamic bool) error {
	key := p.key
	if canon, ok := zooAliases[key]; ok {
		key = canon
	}
	s := &z.cfg.Server
	var err error
	switch {
	case strings.HasPrefix(key, "server."):
		err = z.addServer(p)
	case strings.HasPrefix(key, "group.") || strings.HasPrefix(key, "weight."):
		return p.errorf("hierarchical quorums are not supported by Warren")
	case dynamic:
		if key != "version" {
			return p.errorf("only server.N and version lines may be in a dynamic config file")
		}
	case key == "tickTime":
		s.TickTime, err = p.millis()
	case key == "initLimit":
		s.InitLimit, err = p.int()
	case key == "syncLimit":
		s.SyncLimit, err = p.int()
	case key == "dataDir":
		s.DataDir = p.value
	case key == "dataLogDir":
		s.DataLogDir = p.value
	case key == "clientPort":
		var port int
		if port, err = p.int(); err == nil {
			z.clientPort = strconv.Itoa(port)
		}
	case key == "clientPortAddress":
		z.clientAddress = p.value
	case key == "maxClientCnxns":
		s.MaxClientCnxns, err = p.int()
	case key == "minSessionTimeout":
		s.MinSessionTimeout, err = p.sessionTimeout()
	case key == "maxSessionTimeout":
		s.MaxSessionTimeout, err = p.sessionTimeout()
	case key == "autopurge.snapRetainCount":
		// ZooKeeper raises a count below 3 to 3 (with a warning).
		if s.Autopurge.SnapRetainCount, err = p.int(); err == nil {
			s.Autopurge.SnapRetainCount = max(s.Autopurge.SnapRetainCount, 3)
		}
	case key == "autopurge.purgeInterval":
		var hours int
		if hours, err = p.int(); err == nil {
			s.Autopurge.PurgeInterval = time.Duration(max(hours, 0)) * time.Hour
		}
	case key == "snapCount":
		s.SnapCount, err = p.decodeInt()
	case key == "preAllocSize":
		var kib int64
		if kib, err = p.long(); err == nil {
			s.PreAllocSize = kib * 1024
		}
	case key == "forceSync":
		s.ForceSync, err = p.yesNo()
	case key == "jute.maxbuffer":
		s.JuteMaxBuffer, err = p.decodeInt()
	case key == "4lw.commands.whitelist":
		s.FourLetterWords = splitList(p.value)
	case key == "extendedTypesEnabled":
		s.ExtendedTypesEnabled, err = p.trueFalse()
	case key == "skipACL":
		z.cfg.Auth.SkipACL, err = p.yesNo()
	case key == "znode.container.checkIntervalMs":
		var ms int
		if ms, err = p.decodeInt(); err == nil {
			s.ContainerCheckInterval = time.Duration(ms) * time.Millisecond
		}
	case key == "znode.container.maxPerMinute":
		s.ContainerMaxPerMinute, err = p.decodeInt()
	case key == "readonlymode.enabled":
		s.ReadOnlyMode, err = p.trueFalse()
	case key == "DigestAuthenticationProvider.superDigest":
		z.cfg.Auth.SuperDigest = p.value
	case strings.HasPrefix(key, "metricsProvider.") || strings.HasPrefix(key, "admin."):
		err = z.applyOperability(key, p)
	case key == "dynamicConfigFile":
		z.dynamicFile = p.value
	case key == "peerType":
		if v := strings.ToLower(p.value); v != RoleObserver && v != RoleParticipant {
			return p.errorf("%q is not observer or participant", p.value)
		}
	default:
		z.ignored = append(z.ignored, p.key)
	}
	if err != nil {
		return p.errorf("%w", err)
	}
	return nil
}

// addServer parses a server.N line.
func (z *zooCfg) addServer(p property) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(p.key, "server."), 10, 64)
	if err != nil {
		return p.errorf("server id %q is not a number", strings.TrimPrefix(p.key, "server."))
	}
	spec, err := parseServerSpec(id, p.value)
	if err != nil {
		return p.errorf("%w", err)
	}
	z.servers = slices.DeleteFunc(z.servers, func(s ServerSpec) bool { return s.ID == id })
	z.servers = append(z.servers, spec)
	return nil
}

// finish applies the settings that depend on several keys.
func (z *zooCfg) finish() error {
	s := &z.cfg.Server
	switch {
	case z.clientPort != "":
		s.ClientAddr = net.JoinHostPort(z.clientAddress, z.clientPort)
	case z.clientAddress != "":
		return fmt.Errorf("config: %s: clientPortAddress is set but clientPort is not", z.path)
	}
	if len(z.servers) == 0 {
		return nil
	}
	slices.SortFunc(z.servers, func(a, b ServerSpec) int { return int(a.ID - b.ID) })
	s.Servers = z.servers
	myidPath := filepath.Join(s.DataDir, "myid")
	data, err := os.ReadFile(myidPath)
	switch {
	case errors.Is(err, fs.ErrNotExist) && len(z.servers) == 1:
		return nil // one server line: standalone, as in ZooKeeper
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("config: %s: the myid file %s is missing; it must hold this server's id (one of the server.N lines)", z.path, myidPath)
	case err != nil:
		return fmt.Errorf("config: %s: read myid: %w", z.path, err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSpace(line)
	if s.ID, err = strconv.ParseInt(line, 10, 64); err != nil {
		return fmt.Errorf("config: %s: %q is not a server id", myidPath, line)
	}
	i := slices.IndexFunc(z.servers, func(spec ServerSpec) bool { return spec.ID == s.ID })
	if i < 0 || z.servers[i].ClientAddr == "" {
		return nil
	}
	own := z.servers[i].ClientAddr
	if z.clientPort != "" && !sameClientAddr(s.ClientAddr, own) {
		return fmt.Errorf("config: %s: clientPort/clientPortAddress %s differs from the client address %s on server.%d",
			z.path, s.ClientAddr, own, s.ID)
	}
	s.ClientAddr = own
	return nil
}

// sameClientAddr is ZooKeeper's check that the static client address agrees
// with the one in this server's server.N line: a wildcard host need only
// agree on the port.
func sameClientAddr(static, own string) bool {
	sh, sp, err1 := net.SplitHostPort(static)
	oh, op, err2 := net.SplitHostPort(own)
	if err1 != nil || err2 != nil || sp != op {
		return false
	}
	if sh == "" || sh == "0.0.0.0" || sh == "::" {
		return true
	}
	return sh == oh
}

// parseServerSpec parses host:port:port[:role][;[host:]port] as ZooKeeper's
// QuorumServer does (an IPv6 host in brackets). Several addresses separated
// by "|" (ZooKeeper's multiAddress) are not supported.
func parseServerSpec(id int64, value string) (ServerSpec, error) {
	const form = "host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]"
	spec := ServerSpec{ID: id, Role: RoleParticipant}
	peer, client, hasClient := strings.Cut(value, ";")
	if strings.Contains(client, ";") {
		return ServerSpec{}, fmt.Errorf("%q is not %s", value, form)
	}
	if strings.Contains(peer, "|") {
		return ServerSpec{}, fmt.Errorf("%q: multiple addresses per server are not supported", value)
	}
	parts, err := hostAndPorts(peer)
	if err != nil || len(parts) < 3 || len(parts) > 4 {
		return ServerSpec{}, fmt.Errorf("%q is not %s", value, form)
	}
	spec.Host = parts[0]
	if spec.QuorumPort, err = parsePort(parts[1]); err != nil {
		return ServerSpec{}, err
	}
	if spec.ElectionPort, err = parsePort(parts[2]); err != nil {
		return ServerSpec{}, err
	}
	if spec.QuorumPort == spec.ElectionPort {
		return ServerSpec{}, fmt.Errorf("%q: quorum and election ports must differ", value)
	}
	if len(parts) == 4 {
		switch role := strings.ToLower(strings.TrimSpace(parts[3])); role {
		case RoleParticipant, RoleObserver:
			spec.Role = role
		default:
			return ServerSpec{}, fmt.Errorf("%q: %q is not participant or observer", value, parts[3])
		}
	}
	if hasClient {
		cparts, err := hostAndPorts(client)
		if err != nil || len(cparts) > 2 {
			return ServerSpec{}, fmt.Errorf("%q is not %s", value, form)
		}
		port, err := parsePort(cparts[len(cparts)-1])
		if err != nil {
			return ServerSpec{}, err
		}
		host := ""
		if len(cparts) == 2 {
			host = cparts[0]
		}
		spec.ClientAddr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return spec, nil
}

// hostAndPorts splits "host:a:b" or "[v6host]:a:b" (ConfigUtils.getHostAndPort).
func hostAndPorts(s string) ([]string, error) {
	if !strings.HasPrefix(s, "[") {
		return strings.Split(s, ":"), nil
	}
	host, rest, ok := strings.Cut(s[1:], "]")
	if !ok || !strings.HasPrefix(rest, ":") || len(rest) == 1 {
		return nil, fmt.Errorf("%q: bad bracketed host", s)
	}
	return append([]string{host}, strings.Split(rest[1:], ":")...), nil
}

func parsePort(s string) (int, error) {
	port, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("port %q is not a number", s)
	}
	if port < 1 || port > 65535 {
		return 0, fmt.Errorf("port %d is out of range", port)
	}
	return port, nil
}
