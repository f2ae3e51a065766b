// Package server is the node runtime: it accepts client connections, speaks
// ZooKeeper's client protocol on them, and runs every write through one
// pipeline — prep (validate, ACL, versions → txn with a zxid), the ZAB
// broadcast (log, quorum, commit) and apply (tree, watches, reply) — while
// reads run against the in-memory tree in each session's FIFO order.
//
// Lock order, outermost first: conn.mu → tree (read) ; prepMu → tree (read) ;
// tree (write) → watch tables → conn.outMu. Nothing holding conn.outMu takes
// another lock.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/session"
	"github.com/warrenzk/warren/core/tree"
	"github.com/warrenzk/warren/core/watch"
	"github.com/warrenzk/warren/core/zab"
	"github.com/warrenzk/warren/storage"
)

// Config holds the node's settings; zero values take ZooKeeper's defaults.
type Config struct {
	ServerID               int64         // myid; session ids carry it in their top byte (default 1)
	TickTime               time.Duration // default 2s
	MinSessionTimeout      time.Duration // default 2 × TickTime
	MaxSessionTimeout      time.Duration // default 20 × TickTime
	MaxClientCnxns         int           // per client address; 0 = unlimited
	MaxBuffer              int           // jute.maxbuffer: the largest frame accepted (default 0xfffff)
	ExtendedTypes          bool          // TTL nodes (zookeeper.extendedTypesEnabled)
	ContainerCheckInterval time.Duration // znode.container.checkIntervalMs (default 60s)
	ContainerMaxPerMinute  int           // znode.container.maxPerMinute (default 10000)
	FourLetterWords        []string      // 4lw.commands.whitelist; "*" enables all (default srvr)
	MaxPendingBytes        int           // replies queued for a client that does not read before it is cut off (default 64 MiB)
	SnapCount              int           // snapCount: txns between snapshots, randomised as ZooKeeper does (default 100000)
	SnapLogFraction        float64       // a snapshot also waits for this fraction of the last one's size to be logged; 0 = snapCount alone (ZooKeeper's rule)
	SnapRetainCount        int           // autopurge.snapRetainCount: snapshots a purge keeps (default and minimum 3)
	PurgeInterval          time.Duration // autopurge.purgeInterval: how often to purge old snapshots and log; 0 = never

	// Shown by conf, envi and dirs.
	ClientAddr string
	DataDir    string
	DataLogDir string
	Version    string

	Logger   *slog.Logger
	Now      func() time.Time // the wall clock; tests may replace it
	Observer Observer         // latencies and batch sizes for metrics; nil = none
}

func (c *Config) setDefaults() {
	if c.ServerID == 0 {
		c.ServerID = 1
	}
	if c.TickTime <= 0 {
		c.TickTime = 2 * time.Second
	}
	if c.MinSessionTimeout <= 0 {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if c.MaxSessionTimeout <= 0 {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	if c.MaxBuffer <= 0 {
		c.MaxBuffer = 0xfffff
	}
	if c.ContainerCheckInterval <= 0 {
		c.ContainerCheckInterval = time.Minute
	}
	if c.ContainerMaxPerMinute <= 0 {
		c.ContainerMaxPerMinute = 10000
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.FourLetterWords == nil {
		c.FourLetterWords = []string{"srvr"}
	}
	if c.MaxPendingBytes <= 0 {
		c.MaxPendingBytes = 64 << 20
	}
	if c.SnapCount <= 0 {
		c.SnapCount = 100000
	}
	if c.SnapCount < 2 {
		c.SnapCount = 2 // ZooKeeper's floor: half of it must be at least 1
	}
	if c.SnapRetainCount < 3 {
		c.SnapRetainCount = 3 // as ZooKeeper's DatadirCleanupManager
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Server is a standalone Warren node. Create it with New, start it with
// Start, feed it listeners with Serve, and stop it with Shutdown.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   storage.Backend
	txnLog  storage.TxnLog
	checker *auth.Checker

	tree     *tree.Tree
	watches  *watch.Manager
	sessions *sessionTable
	ids      *session.IDGenerator
	words    map[string]bool

	prepMu   sync.Mutex // serialises prep: zxid order = pipeline order
	prep     *prepView
	lastZxid int64 // last zxid handed out by prep (under prepMu)

	proposals chan *proposal
	applies   chan []*proposal
	zab       *zab.Broadcast // owned by the log goroutine
	purgeLog  chan int64     // zxids below which the log goroutine may purge

	snaps snapshotter // owned by the apply goroutine

	mu        sync.Mutex
	listeners map[net.Listener]bool
	conns     map[*conn]bool
	perAddr   map[string]int
	stats     serverStats
	zk        *zkMetrics
	started   time.Time

	logFailures atomic.Int64 // batches the txn log refused
	prepWaiting atomic.Int64 // requests waiting for prepMu
	stopping    atomic.Bool
	quit        chan struct{}
	loops       sync.WaitGroup // pipeline, expiry and container goroutines
	connWG      sync.WaitGroup // connection goroutines
}

// New builds a node over a storage backend and an ACL checker. It loads the
// newest snapshot and replays the log after it before returning, so the
// node serves everything it acknowledged.
func New(cfg Config, store storage.Backend, checker *auth.Checker) (*Server, error) {
	cfg.setDefaults()
	zk := newZKMetrics()
	cfg.Observer.Track(&zk.reg)
	watches := watch.NewManager(zk.watchersFired)
	s := &Server{
		zk:        zk,
		cfg:       cfg,
		log:       cfg.Logger,
		store:     store,
		txnLog:    store.Log(),
		checker:   checker,
		watches:   watches,
		tree:      tree.New(tree.Options{ExtendedTypes: cfg.ExtendedTypes, Watches: watches}),
		sessions:  newSessionTable(cfg.TickTime, cfg.Now),
		ids:       session.NewIDGenerator(cfg.ServerID, cfg.Now()),
		words:     map[string]bool{},
		proposals: make(chan *proposal, 1024),
		applies:   make(chan []*proposal, 16),
		purgeLog:  make(chan int64, 1),
		listeners: map[net.Listener]bool{},
		conns:     map[*conn]bool{},
		perAddr:   map[string]int{},
		quit:      make(chan struct{}),
	}
	for _, w := range cfg.FourLetterWords {
		s.words[w] = true
	}
	if err := s.recover(); err != nil {
		return nil, err
	}
	s.prep = newPrepView(s.tree, zk.changesQueued, zk.changesRemoved)
	s.snaps.init(cfg.SnapCount, cfg.SnapLogFraction)
	s.zab = zab.NewBroadcast(cfg.ServerID, []int64{cfg.ServerID}, nil, s.lastZxid)
	return s, nil
}

// Start runs the pipeline and the session and container reapers.
func (s *Server) Start() {
	s.started = s.cfg.Now()
	s.loops.Add(4)
	go s.logLoop()
	go s.applyLoop()
	go s.every(s.cfg.TickTime/2, false, s.expireSessions)
	go s.every(s.cfg.ContainerCheckInterval, false, s.reapContainers)
	if s.cfg.PurgeInterval > 0 {
		// At start and then every interval, as ZooKeeper's
		// DatadirCleanupManager.
		s.loops.Add(1)
		go s.every(s.cfg.PurgeInterval, true, s.purge)
	}
}

// every runs fn every d until the server stops, first at once if
// immediately is set. The caller has counted it in s.loops.
func (s *Server) every(d time.Duration, immediately bool, fn func()) {
	defer s.loops.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	if immediately {
		fn()
	}
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			fn()
		}
	}
}

// Serve accepts client connections on l until l fails or the server stops,
// and returns nil when it stopped. On a server already stopping it closes l
// and returns net.ErrClosed.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.stopping.Load() {
		s.mu.Unlock()
		l.Close()
		return net.ErrClosed
	}
	s.listeners[l] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.stopping.Load() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		s.accept(nc)
	}
}

// accept admits a connection unless its address is over maxClientCnxns.
func (s *Server) accept(nc net.Conn) {
	host := remoteHost(nc.RemoteAddr())
	s.mu.Lock()
	if s.stopping.Load() {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if s.cfg.MaxClientCnxns > 0 && s.perAddr[host] >= s.cfg.MaxClientCnxns {
		s.mu.Unlock()
		s.zk.connectionRejected.Add(1)
		s.log.Warn("too many connections from one address; closing the new one (raise maxClientCnxns if this client is legitimate)",
			"addr", host, "max", s.cfg.MaxClientCnxns)
		nc.Close()
		return
	}
	s.perAddr[host]++
	c := newConn(s, nc)
	s.conns[c] = true
	s.stats.connections.Add(1)
	s.mu.Unlock()
	s.connWG.Add(2)
	go c.readLoop()
	go c.writeLoop()
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.conns[c] {
		return
	}
	delete(s.conns, c)
	host := remoteHost(c.nc.RemoteAddr())
	if s.perAddr[host]--; s.perAddr[host] <= 0 {
		delete(s.perAddr, host)
	}
}

// Shutdown stops accepting, lets writes already in the pipeline finish
// (until ctx ends), closes every connection and stops the pipeline.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.stopping.Swap(true) {
		return nil
	}
	s.mu.Lock()
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()

	// Let queued writes drain so that acknowledged work is not cut off.
	s.prepMu.Lock()
	barrier := &proposal{done: make(chan struct{})}
	s.proposals <- barrier
	s.prepMu.Unlock()
	select {
	case <-barrier.done:
	case <-ctx.Done():
	}

	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close("server shutdown")
	}
	close(s.quit)
	s.loops.Wait()
	s.connWG.Wait()
	return ctx.Err()
}

// expireSessions expires sessions whose clients went silent, by closeSession
// txns like any other write.
func (s *Server) expireSessions() {
	for _, id := range s.sessions.expired() {
		s.log.Info("expiring session", "session", fmt.Sprintf("0x%x", id))
		s.zk.staleSessionsExpired.Add(1)
		s.submit(&request{session: id, op: proto.OpCloseSession, internal: true})
	}
}

// reapContainers deletes empty containers and expired TTL nodes, as
// ZooKeeper's ContainerManager, at most ContainerMaxPerMinute a minute.
func (s *Server) reapContainers() {
	budget := max(1, int(int64(s.cfg.ContainerMaxPerMinute)*int64(s.cfg.ContainerCheckInterval)/int64(time.Minute)))
	for i, path := range s.tree.ContainerCandidates(s.cfg.Now().UnixMilli()) {
		if i >= budget {
			break
		}
		s.submit(&request{op: proto.OpDeleteContainer, body: &proto.DeleteRequest{Path: path, Version: -1}, internal: true})
	}
}

func remoteHost(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
