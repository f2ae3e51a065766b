package plugins

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/warrenzk/warren/auth"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/plugins/internal/wire"
)

// Limits on what a plugin's Authenticate may give a session.
const (
	maxIDs     = 16
	maxIDBytes = 1024
)

// matchTTL is how long a custom Matches answer is reused.
const matchTTL = 10 * time.Second

// stableAfter is how long a plugin must stay up for the restart backoff to
// start over from MinBackoff.
const stableAfter = time.Minute

// ErrNotRunning is wrapped by the error of a call made while the plugin is
// not running (starting, restarting, or failing to start).
var ErrNotRunning = errors.New("auth plugin not running")

// Plugin is one plugin program and the ACL scheme it serves. It implements
// auth.Scheme and auth.AuthenticatedScheme; a supervisor goroutine keeps
// the program running.
//
// Matches and ValidID are called by the node while it holds its locks, so
// they never wait long: Matches compares ids inside Warren unless the
// plugin declared custom matching; answers the plugin gives are cached
// (ValidID until the plugin restarts, Matches for matchTTL); a call is made
// only to a plugin that passed its last health check, under MatchTimeout,
// and a failure or timeout answers no and makes every such call answer no
// at once until the plugin is healthy again.
type Plugin struct {
	cfg  Config
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	cur     *instance // nil while not running
	lastErr error     // why not running

	info     atomic.Pointer[wire.InfoResponse] // from the last successful start
	suspect  atomic.Bool                       // a hot call failed: hot calls answer no until a health check passes
	restarts atomic.Int64

	valid *answerCache
	match *answerCache

	kick     chan struct{} // asks the supervisor for a health check now
	stop     chan struct{}
	done     chan struct{}
	firstTry chan struct{} // closed after the first start attempt
}

// instance is one run of the plugin program.
type instance struct {
	client *plugin.Client
	cmd    *exec.Cmd
	rpc    *wire.Client
	info   *wire.InfoResponse
}

func newPlugin(c Config, opts Options) *Plugin {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MatchTimeout == 0 {
		c.MatchTimeout = DefaultMatchTimeout
	}
	return &Plugin{
		cfg:      c,
		opts:     opts,
		log:      opts.Logger.With("plugin", c.Name, "path", c.Path),
		lastErr:  errors.New("not started yet"),
		valid:    newAnswerCache(0),
		match:    newAnswerCache(matchTTL),
		kick:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		firstTry: make(chan struct{}),
	}
}

// Name returns the scheme's name.
func (p *Plugin) Name() string { return p.cfg.Name }

// Restarts returns how many times the plugin was started after its first
// start, successfully or not.
func (p *Plugin) Restarts() int64 { return p.restarts.Load() }

// Running reports whether the plugin is running and passed its last health
// check, and if not, why.
func (p *Plugin) Running() (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return false, p.lastErr
	}
	if p.suspect.Load() {
		return false, errors.New("a call timed out or failed; waiting for a health check")
	}
	return true, nil
}

// Pid returns the process id of the running plugin, or 0.
func (p *Plugin) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil || p.cur.cmd.Process == nil {
		return 0
	}
	return p.cur.cmd.Process.Pid
}

// IsAuthenticated reports what the plugin declared when it last started
// (false before it ever has: no session can hold its ids before then).
func (p *Plugin) IsAuthenticated() bool {
	info := p.info.Load()
	return info != nil && info.Authenticated
}

// Authenticate asks the plugin, under Timeout, for the ids addauth bytes
// give. The ids are of the plugin's scheme whatever the plugin says, at
// most maxIDs of at most maxIDBytes each.
func (p *Plugin) Authenticate(ctx context.Context, conn auth.ConnInfo, b []byte) ([]proto.Id, error) {
	inst, err := p.current()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	req := &wire.AuthenticateRequest{Auth: b}
	if conn.RemoteAddr != nil {
		req.RemoteAddr = conn.RemoteAddr.String()
	}
	resp, err := inst.rpc.Authenticate(ctx, req)
	if err != nil {
		return nil, p.callFailed(ctx, "Authenticate", p.cfg.Timeout, err)
	}
	if len(resp.IDs) > maxIDs {
		return nil, fmt.Errorf("plugin %s gave %d ids, more than %d", p.cfg.Name, len(resp.IDs), maxIDs)
	}
	ids := make([]proto.Id, 0, len(resp.IDs))
	for _, id := range resp.IDs {
		if id == "" || len(id) > maxIDBytes {
			return nil, fmt.Errorf("plugin %s gave an id of %d bytes (want 1 to %d)", p.cfg.Name, len(id), maxIDBytes)
		}
		ids = auth.AddIDs(ids, proto.Id{Scheme: p.cfg.Name, ID: id})
	}
	return ids, nil
}

// ValidID asks the plugin whether aclID may stand in an ACL entry; see
// Plugin for why it never waits long. A plugin that cannot answer makes
// the entry invalid.
func (p *Plugin) ValidID(aclID string) bool {
	return p.hot(p.valid, aclID, "ValidID", func(ctx context.Context, c *wire.Client) (bool, error) {
		return c.ValidID(ctx, aclID)
	})
}

// Matches compares id with aclID, inside Warren unless the plugin declared
// custom matching; see Plugin.
func (p *Plugin) Matches(_ context.Context, _ auth.ConnInfo, id proto.Id, aclID string) bool {
	info := p.info.Load()
	if info == nil || !info.CustomMatch {
		return id.ID == aclID
	}
	return p.hot(p.match, id.ID+"\x00"+aclID, "Matches", func(ctx context.Context, c *wire.Client) (bool, error) {
		return c.Match(ctx, id.ID, aclID)
	})
}

// hot answers a call the node makes under its locks: from cache, or from a
// healthy plugin under MatchTimeout, or no.
func (p *Plugin) hot(cache *answerCache, key, method string, call func(context.Context, *wire.Client) (bool, error)) bool {
	if v, ok := cache.get(key); ok {
		return v
	}
	if p.suspect.Load() {
		return false
	}
	p.mu.Lock()
	inst := p.cur
	p.mu.Unlock()
	if inst == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.MatchTimeout)
	defer cancel()
	v, err := call(ctx, inst.rpc)
	if err != nil {
		if !p.suspect.Swap(true) {
			p.log.Warn("auth plugin did not answer a call made on the request path; its ACL entries deny until it passes a health check",
				"call", method, "timeout", p.cfg.MatchTimeout, "err", err)
		}
		p.checkNow()
		return false
	}
	cache.put(key, v)
	return v
}

// current returns the running instance, or why there is none.
func (p *Plugin) current() (*instance, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotRunning, p.cfg.Name, p.lastErr)
	}
	return p.cur, nil
}

// callFailed describes a call made under ctx that failed and, if the
// plugin itself may be at fault (not an error it returned on purpose), asks
// for a health check. A call whose deadline passed timed out, whatever the
// plugin answered: the deadline reaches the plugin too, and one that gives
// up on it may answer just before the host's own timer fires.
func (p *Plugin) callFailed(ctx context.Context, method string, timeout time.Duration, err error) error {
	st, _ := status.FromError(err)
	switch {
	case st.Code() == codes.DeadlineExceeded || pastDeadline(ctx):
		p.checkNow()
		return fmt.Errorf("plugin %s: %s did not answer within %v", p.cfg.Name, method, timeout)
	case st.Code() == codes.Unauthenticated:
		return fmt.Errorf("plugin %s refused: %s", p.cfg.Name, st.Message())
	}
	p.checkNow()
	return fmt.Errorf("plugin %s: %s: %w", p.cfg.Name, method, err)
}

// pastDeadline reports whether ctx's deadline has passed, even if its
// timer has not fired yet.
func pastDeadline(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// checkNow asks the supervisor for an immediate health check.
func (p *Plugin) checkNow() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// launch starts the supervisor.
func (p *Plugin) launch() { go p.supervise() }

// shutdown stops the supervisor, which stops the plugin, and waits.
func (p *Plugin) shutdown() {
	close(p.stop)
	<-p.done
}

// supervise keeps the plugin running until stop: start it, watch it, and
// when it dies or stops answering, kill it and start it again after a
// backoff that doubles up to MaxBackoff.
func (p *Plugin) supervise() {
	defer close(p.done)
	first := true
	backoff := p.opts.MinBackoff
	for {
		if !first {
			p.restarts.Add(1)
		}
		inst, err := p.start()
		if first {
			close(p.firstTry)
			first = false
		}
		if err != nil {
			p.setDown(nil, err)
			p.log.Error("auth plugin failed to start; its scheme fails (addauth AuthFailed, its ACL entries deny) until it starts",
				"err", err, "retry_in", backoff)
		} else {
			p.setUp(inst)
			p.log.Info("auth plugin started", "pid", inst.cmd.Process.Pid, "version", inst.info.Version,
				"protocol", wire.ProtocolVersion, "custom_match", inst.info.CustomMatch)
			up := time.Now()
			why := p.watch(inst)
			p.setDown(inst, why)
			stopping := p.stopping()
			p.kill(inst, stopping)
			if stopping {
				return
			}
			if time.Since(up) >= stableAfter {
				backoff = p.opts.MinBackoff
			}
			p.log.Warn("auth plugin down; its scheme fails until it restarts", "err", why, "restart_in", backoff)
		}
		select {
		case <-p.stop:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, p.opts.MaxBackoff)
	}
}

func (p *Plugin) stopping() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

func (p *Plugin) setUp(inst *instance) {
	p.valid.reset()
	p.match.reset()
	p.info.Store(inst.info)
	p.mu.Lock()
	p.cur, p.lastErr = inst, nil
	p.mu.Unlock()
	p.suspect.Store(false)
}

// setDown records that the plugin is not running, and why. inst, if not
// nil, is the instance going away.
func (p *Plugin) setDown(inst *instance, why error) {
	p.mu.Lock()
	if inst == nil || p.cur == inst {
		p.cur = nil
	}
	p.lastErr = why
	p.mu.Unlock()
}

// watch returns when inst must go: it exited, failed a health check, or
// the host is stopping.
func (p *Plugin) watch(inst *instance) error {
	t := time.NewTicker(p.opts.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return errors.New("host stopping")
		case <-t.C:
		case <-p.kick:
		}
		if inst.client.Exited() {
			return errors.New("the plugin process exited")
		}
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.Timeout)
		err := inst.rpc.Ping(ctx)
		cancel()
		if err != nil {
			if inst.client.Exited() {
				return errors.New("the plugin process exited")
			}
			return fmt.Errorf("health check failed (the plugin hangs or crashed): %w", err)
		}
		p.suspect.Store(false)
	}
}

// start runs the program, handshakes, and asks for its Info.
func (p *Plugin) start() (*instance, error) {
	if err := checkExecutable(p.cfg.Path); err != nil {
		return nil, err
	}
	cmd := exec.Command(p.cfg.Path, p.cfg.Args...)
	dieWithNode(cmd)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSets(wire.ProtocolVersion, nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           newHCLogger(p.log),
		StartTimeout:     p.opts.StartTimeout,
		AutoMTLS:         true,
	})
	inst := &instance{client: client, cmd: cmd}
	fail := func(err error) (*instance, error) {
		p.kill(inst, false)
		return nil, err
	}
	rpcClient, err := client.Client()
	if err != nil {
		return fail(explainStartError(err))
	}
	raw, err := rpcClient.Dispense(wire.PluginName)
	if err != nil {
		return fail(fmt.Errorf("dispense the scheme: %w", err))
	}
	rpc, ok := raw.(*wire.Client)
	if !ok {
		return fail(fmt.Errorf("dispense the scheme: got %T", raw))
	}
	inst.rpc = rpc
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.Timeout)
	defer cancel()
	info, err := rpc.Info(ctx)
	if err != nil {
		return fail(fmt.Errorf("ask the plugin which scheme it serves: %w", err))
	}
	if info.Scheme != p.cfg.Name {
		return fail(fmt.Errorf("the plugin serves scheme %q, but the config lists it as %q: make them agree", info.Scheme, p.cfg.Name))
	}
	inst.info = info
	return inst, nil
}

// checkExecutable gives a clear error for the common mistakes, before
// go-plugin gives a less clear one.
func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("plugin executable %s does not exist (check auth.plugins[].path)", path)
	case err != nil:
		return fmt.Errorf("plugin executable: %w", err)
	case fi.IsDir():
		return fmt.Errorf("plugin executable %s is a directory", path)
	case fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("plugin executable %s is not executable (chmod +x it)", path)
	}
	return nil
}

// explainStartError adds what to do to go-plugin's start errors.
func explainStartError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(strings.ToLower(msg), "incompatible api version"):
		return fmt.Errorf("the plugin speaks another version of Warren's plugin protocol than this node (%d): rebuild it with the plugins/sdk of this Warren release: %w",
			wire.ProtocolVersion, err)
	case strings.Contains(msg, "Unrecognized remote plugin message"), strings.Contains(msg, "plugin exited before we could connect"):
		return fmt.Errorf("the program is not a Warren auth plugin, or it failed at start-up (see its output above): %w", err)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("the plugin did not complete its handshake in time: %w", err)
	}
	return fmt.Errorf("start the plugin: %w", err)
}

// kill ends inst's process. Gracefully (go-plugin's shutdown call) only
// when asked and the process still answers; a hung process never answers
// it, so it is killed outright first.
func (p *Plugin) kill(inst *instance, graceful bool) {
	if graceful && inst.rpc != nil {
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.Timeout)
		graceful = inst.rpc.Ping(ctx) == nil
		cancel()
	}
	if !graceful && inst.cmd.Process != nil {
		_ = inst.cmd.Process.Kill()
	}
	inst.client.Kill()
}
