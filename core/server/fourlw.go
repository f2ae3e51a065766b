package server

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/warrenzk/warren/core/stats"
)

// knownWords are ZooKeeper's four-letter words (FourLetterCommands). A
// connection whose first four bytes spell one gets a text answer instead of
// the binary protocol.
var knownWords = map[string]bool{
	"conf": true, "cons": true, "crst": true, "dirs": true, "dump": true, "envi": true,
	"gtmk": true, "ruok": true, "stmk": true, "srst": true, "srvr": true, "stat": true,
	"wchc": true, "wchp": true, "wchs": true, "mntr": true, "isro": true, "hash": true,
}

func (s *Server) isFourLetterWord(b []byte) bool { return knownWords[string(b)] }

// wordEnabled follows 4lw.commands.whitelist: "*" enables every word, and
// srvr is always on because zkServer.sh status depends on it.
func (s *Server) wordEnabled(w string) bool {
	return w == "srvr" || s.words["*"] || s.words[w]
}

// fourLetterWord answers one word; the connection closes once it is sent.
func (c *conn) fourLetterWord(word string) {
	s := c.srv
	var out string
	if !s.wordEnabled(word) {
		out = word + " is not executed because it is not in the whitelist.\n"
	} else {
		out = s.fourLetterText(word, c)
	}
	s.log.Debug("four-letter word", "word", word, "remote", c.nc.RemoteAddr().String())
	c.sendAndClose([]byte(out))
}

func (s *Server) fourLetterText(word string, self *conn) string {
	var b strings.Builder
	switch word {
	case "ruok":
		return "imok"
	case "isro":
		return "rw"
	case "srvr":
		s.writeServerSummary(&b, false)
	case "stat":
		s.writeServerSummary(&b, true)
	case "conf":
		s.writeConf(&b)
	case "cons":
		for _, c := range s.connsSorted() {
			c.writeCons(&b, true)
		}
		b.WriteString("\n")
	case "crst":
		s.resetConnStats()
		return "Connection stats reset.\n"
	case "srst":
		s.resetStats()
		return "Server stats reset.\n"
	case "envi":
		s.writeEnv(&b)
	case "mntr":
		s.writeMonitor(&b)
	case "wchs":
		conns, paths, total := s.watches.Summary()
		fmt.Fprintf(&b, "%d connections watching %d paths\nTotal watches:%d\n", conns, paths, total)
	case "wchc":
		byWatcher := s.watches.ByWatcher()
		type entry struct {
			id    int64
			paths []string
		}
		var entries []entry
		for w, paths := range byWatcher {
			if c, ok := w.(*conn); ok {
				entries = append(entries, entry{c.sessionID(), paths})
			}
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].id < entries[j].id })
		for _, e := range entries {
			fmt.Fprintf(&b, "0x%x\n", e.id)
			sort.Strings(e.paths)
			for _, p := range e.paths {
				fmt.Fprintf(&b, "\t%s\n", p)
			}
		}
		b.WriteString("\n")
	case "wchp":
		byPath := s.watches.ByPath()
		paths := make([]string, 0, len(byPath))
		for p := range byPath {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			fmt.Fprintf(&b, "%s\n", p)
			for _, w := range byPath[p] {
				if c, ok := w.(*conn); ok {
					fmt.Fprintf(&b, "\t0x%x\n", c.sessionID())
				}
			}
		}
		b.WriteString("\n")
	case "dump":
		s.writeDump(&b)
	case "dirs":
		fmt.Fprintf(&b, "datadir_size: %d\nlogdir_size: %d\n", dirSize(s.cfg.DataDir), dirSize(s.logDir()))
	case "gtmk":
		return "0\n"
	case "stmk", "hash":
		return word + " is not supported by Warren.\n"
	}
	return b.String()
}

func (s *Server) writeServerSummary(b *strings.Builder, clients bool) {
	fmt.Fprintf(b, "Zookeeper version: %s\n", s.versionString())
	if clients {
		b.WriteString("Clients:\n")
		for _, c := range s.connsSorted() {
			c.writeCons(b, false)
		}
		b.WriteString("\n")
	}
	lmin, lavg, lmax := s.stats.latency()
	fmt.Fprintf(b, "Latency min/avg/max: %d/%s/%d\n", lmin, javaDouble(lavg), lmax)
	fmt.Fprintf(b, "Received: %d\n", s.stats.received.Load())
	fmt.Fprintf(b, "Sent: %d\n", s.stats.sent.Load())
	fmt.Fprintf(b, "Connections: %d\n", s.connCount())
	fmt.Fprintf(b, "Outstanding: %d\n", s.outstanding())
	fmt.Fprintf(b, "Zxid: 0x%x\n", s.tree.LastZxid())
	b.WriteString("Mode: standalone\n")
	fmt.Fprintf(b, "Node count: %d\n", s.tree.NodeCount())
}

func (s *Server) versionString() string {
	return fmt.Sprintf("%s (Warren), built with %s", s.cfg.Version, runtime.Version())
}

func (s *Server) writeConf(b *strings.Builder) {
	_, port := splitPort(s.cfg.ClientAddr)
	fmt.Fprintf(b, "clientPort=%s\n", port)
	b.WriteString("secureClientPort=-1\n")
	fmt.Fprintf(b, "dataDir=%s\n", s.cfg.DataDir)
	fmt.Fprintf(b, "dataDirSize=%d\n", dirSize(s.cfg.DataDir))
	fmt.Fprintf(b, "dataLogDir=%s\n", s.logDir())
	fmt.Fprintf(b, "dataLogSize=%d\n", dirSize(s.logDir()))
	fmt.Fprintf(b, "tickTime=%d\n", s.cfg.TickTime.Milliseconds())
	fmt.Fprintf(b, "maxClientCnxns=%d\n", s.cfg.MaxClientCnxns)
	fmt.Fprintf(b, "minSessionTimeout=%d\n", s.cfg.MinSessionTimeout.Milliseconds())
	fmt.Fprintf(b, "maxSessionTimeout=%d\n", s.cfg.MaxSessionTimeout.Milliseconds())
	b.WriteString("clientPortListenBacklog=-1\n")
	fmt.Fprintf(b, "serverId=%d\n", s.cfg.ServerID)
}

func (s *Server) writeEnv(b *strings.Builder) {
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	b.WriteString("Environment:\n")
	fmt.Fprintf(b, "zookeeper.version=%s\n", s.versionString())
	fmt.Fprintf(b, "host.name=%s\n", host)
	fmt.Fprintf(b, "go.version=%s\n", runtime.Version())
	fmt.Fprintf(b, "os.name=%s\n", runtime.GOOS)
	fmt.Fprintf(b, "os.arch=%s\n", runtime.GOARCH)
	fmt.Fprintf(b, "user.dir=%s\n", wd)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(b, "os.memory.used=%dMB\n", ms.HeapAlloc>>20)
	fmt.Fprintf(b, "os.memory.total=%dMB\n", ms.Sys>>20)
}

// monitorReading is what one mntr reads, taken once so that related keys
// agree with each other.
type monitorReading struct {
	s                          *Server
	latMin, latMax             int64
	latAvg                     float64
	respLast, respMin, respMax int
}

// monitorGauges are mntr's first keys, in ZooKeeper 3.8's order: its
// version and state, then the gauges of ZooKeeperServer.registerMetrics.
// Five read 0 because their mechanism is one Warren does not have: TLS
// (non_mtls_*, outstanding_tls_handshake, and auth_failed_count, which
// counts failed TLS handshakes) and connection dropping under load
// (connection_drop_probability, off by default in ZooKeeper).
var monitorGauges = []struct {
	name  string
	value func(m *monitorReading) any
}{
	{"version", func(m *monitorReading) any { return m.s.versionString() }},
	{"server_state", func(*monitorReading) any { return "standalone" }},
	{"ephemerals_count", func(m *monitorReading) any { return m.s.tree.EphemeralCount() }},
	{"num_alive_connections", func(m *monitorReading) any { return m.s.connCount() }},
	{"avg_latency", func(m *monitorReading) any { return m.latAvg }},
	{"outstanding_requests", func(m *monitorReading) any { return m.s.outstanding() }},
	{"znode_count", func(m *monitorReading) any { return m.s.tree.NodeCount() }},
	{"global_sessions", func(m *monitorReading) any { return m.s.sessions.len() }},
	{"non_mtls_remote_conn_count", func(*monitorReading) any { return 0 }},
	{"last_client_response_size", func(m *monitorReading) any { return m.respLast }},
	{"packets_sent", func(m *monitorReading) any { return m.s.stats.sent.Load() }},
	{"packets_received", func(m *monitorReading) any { return m.s.stats.received.Load() }},
	{"max_client_response_size", func(m *monitorReading) any { return m.respMax }},
	{"connection_drop_probability", func(*monitorReading) any { return 0.0 }},
	{"watch_count", func(m *monitorReading) any { return m.s.watches.Count() }},
	{"auth_failed_count", func(*monitorReading) any { return 0 }},
	{"min_latency", func(m *monitorReading) any { return m.latMin }},
	{"max_file_descriptor_count", func(*monitorReading) any { return maxFDs() }},
	{"approximate_data_size", func(m *monitorReading) any { return m.s.tree.ApproximateDataSize() }},
	{"open_file_descriptor_count", func(*monitorReading) any { return openFDs() }},
	{"local_sessions", func(*monitorReading) any { return 0 }},
	{"uptime", func(m *monitorReading) any { return m.s.cfg.Now().Sub(m.s.started).Milliseconds() }},
	{"max_latency", func(m *monitorReading) any { return m.latMax }},
	{"outstanding_tls_handshake", func(*monitorReading) any { return 0 }},
	{"min_client_response_size", func(m *monitorReading) any { return m.respMin }},
	{"non_mtls_local_conn_count", func(*monitorReading) any { return 0 }},
}

// monitorValue is one mntr key (without its zk_ prefix) and its value: a
// string, an integer, or a float64 that mntr prints as Java prints a double.
type monitorValue struct {
	key   string
	value any
}

// monitorValues are mntr's keys and values in order: the gauges, then
// ZooKeeper's ServerMetrics (counters, summaries, then the per-namespace
// summary sets, as DefaultMetricsProvider dumps them), then Warren's own
// fsync_count (cnt_fsynctime under an older name) and fsync_txns.
func (s *Server) monitorValues() []monitorValue {
	m := &monitorReading{s: s}
	m.latMin, m.latAvg, m.latMax = s.stats.latency()
	m.respLast, m.respMin, m.respMax = s.stats.responseSizes()
	out := make([]monitorValue, 0, 512)
	for _, g := range monitorGauges {
		out = append(out, monitorValue{g.name, g.value(m)})
	}
	for _, c := range s.zk.reg.Counters() {
		out = append(out, monitorValue{c.Name(), c.Value()})
	}
	summary := func(name string, r stats.Reading) {
		out = append(out,
			monitorValue{"avg_" + name, math.Round(r.Avg*10000) / 10000},
			monitorValue{"min_" + name, r.Min}, monitorValue{"max_" + name, r.Max},
			monitorValue{"cnt_" + name, r.Count}, monitorValue{"sum_" + name, r.Sum})
		for i, p := range r.Percentiles {
			out = append(out, monitorValue{stats.PercentileKeys[i] + "_" + name, p})
		}
	}
	for _, sum := range s.zk.reg.Summaries() {
		summary(sum.Name(), sum.Read())
	}
	for _, set := range s.zk.reg.SummarySets() {
		set.Each(func(_ string, sum *stats.Summary) { summary(sum.Name(), sum.Read()) })
	}
	return append(out,
		monitorValue{"fsync_count", s.zk.fsyncTime.Read().Count},
		monitorValue{"fsync_txns", s.stats.syncedTxns.Load()})
}

// writeMonitor is mntr.
func (s *Server) writeMonitor(b *strings.Builder) {
	for _, v := range s.monitorValues() {
		if f, ok := v.value.(float64); ok {
			v.value = javaDouble(f)
		}
		fmt.Fprintf(b, "zk_%s\t%v\n", v.key, v.value)
	}
}

func (s *Server) writeDump(b *strings.Builder) {
	sessions := s.sessions.snapshot()
	b.WriteString("SessionTracker dump:\n")
	fmt.Fprintf(b, "Session Sets (%d):\n", len(sessions))
	for _, id := range sortedKeys(sessions) {
		fmt.Fprintf(b, "\t0x%x (timeout %d ms)\n", id, sessions[id].Milliseconds())
	}
	b.WriteString("ephemeral nodes dump:\n")
	eph := s.tree.AllEphemerals()
	fmt.Fprintf(b, "Sessions with Ephemerals (%d):\n", len(eph))
	for _, id := range sortedKeys(eph) {
		fmt.Fprintf(b, "0x%x:\n", id)
		for _, p := range eph[id] {
			fmt.Fprintf(b, "\t%s\n", p)
		}
	}
	b.WriteString("Connections dump:\n")
	conns := s.connsSorted()
	fmt.Fprintf(b, "Connections Sets (%d):\n", len(conns))
	for _, c := range conns {
		fmt.Fprintf(b, "\tip: /%s sessionId: 0x%x\n", c.nc.RemoteAddr(), c.sessionID())
	}
}

// writeCons writes one connection line as ZooKeeper's cons and stat do.
func (c *conn) writeCons(b *strings.Builder, full bool) {
	c.mu.Lock()
	pending := len(c.fifo)
	c.mu.Unlock()
	fmt.Fprintf(b, " /%s[%d](queued=%d,recved=%d,sent=%d", c.nc.RemoteAddr(), boolInt(c.sessionID() != 0),
		pending, c.received.Load(), c.sent.Load())
	if full && c.sessionID() != 0 {
		st := c.stats.get()
		fmt.Fprintf(b, ",sid=0x%x,lop=%s,est=%d,to=%d", c.sessionID(), st.LastOp, c.opened.UnixMilli(), c.timeout().Milliseconds())
		if st.LastCxid >= 0 {
			fmt.Fprintf(b, ",lcxid=0x%x", st.LastCxid)
		}
		// Long.toHexString: -1 prints as sixteen f's.
		fmt.Fprintf(b, ",lzxid=0x%x,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d", uint64(st.LastZxid), st.LastResponse,
			st.LastLatency, st.MinLatency, st.AvgLatency, st.MaxLatency)
	}
	b.WriteString(")\n")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Server) connsSorted() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].opened.Before(out[j].opened) })
	return out
}

func (s *Server) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// outstanding is the number of requests read and not yet answered, across
// connections (ZooKeeper's requests in process).
func (s *Server) outstanding() int {
	n := 0
	for _, c := range s.connsSorted() {
		c.mu.Lock()
		n += len(c.fifo)
		c.mu.Unlock()
	}
	return n
}

func (s *Server) logDir() string {
	if s.cfg.DataLogDir != "" {
		return s.cfg.DataLogDir
	}
	return s.cfg.DataDir
}

func splitPort(addr string) (string, string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, ""
	}
	return addr[:i], addr[i+1:]
}

// dirSize is the total size of the regular files under dir.
func dirSize(dir string) int64 {
	if dir == "" {
		return 0
	}
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

func maxFDs() int64 {
	b, err := os.ReadFile("/proc/self/limits")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			var soft int64
			fmt.Sscan(strings.Fields(line)[3], &soft)
			return soft
		}
	}
	return -1
}
