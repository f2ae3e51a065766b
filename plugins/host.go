// Package plugins runs Warren's external ACL schemes: each is a separate
// program, written against plugins/sdk, that Warren starts and talks to
// over gRPC through hashicorp/go-plugin. A Host starts the programs the
// config lists, checks they speak Warren's plugin protocol version, watches
// their health, and restarts them with backoff after a crash or a hang.
// Each plugin is an auth.Scheme, so the ACL Checker uses it like a built-in.
//
// A plugin can fail in any way without taking the node with it: only its
// own scheme fails meanwhile (addauth gets AuthFailed; ACL entries of the
// scheme grant nothing and cannot be set), every call has a timeout, and
// the reason is logged. Calls the node makes while holding its locks
// (ValidID, Matches) are answered inside Warren when they can be, from a
// cache otherwise, and only then by the plugin under a short timeout; see
// Plugin.
package plugins

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/warrenzk/warren/auth"
)

// Defaults of Config and Options.
const (
	DefaultTimeout        = 2 * time.Second
	DefaultMatchTimeout   = 100 * time.Millisecond
	DefaultHealthInterval = time.Second
	DefaultMinBackoff     = 250 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultStartTimeout   = 10 * time.Second
)

// Config configures one plugin (one entry of auth.plugins).
type Config struct {
	// Name is the scheme the plugin serves; the plugin must declare the
	// same name.
	Name string
	// Path is the plugin's executable.
	Path string
	// Args are passed to it.
	Args []string
	// Timeout bounds every call but ValidID and Matches, and each health
	// check: Authenticate, Info, Ping. Zero means DefaultTimeout.
	Timeout time.Duration
	// MatchTimeout bounds ValidID and Matches, which the node calls while
	// holding its locks; past it they answer no. Zero means
	// DefaultMatchTimeout.
	MatchTimeout time.Duration
}

// Options are the Host's settings that are not per plugin.
type Options struct {
	// Logger receives the host's lines and the plugins' own log lines.
	// Nil means slog.Default().
	Logger *slog.Logger
	// HealthInterval is how often a running plugin is pinged and checked
	// for having exited. Zero means DefaultHealthInterval.
	HealthInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait before a restart; it
	// doubles after each failed start and resets once a plugin has stayed
	// up for a minute. Zero means the defaults.
	MinBackoff, MaxBackoff time.Duration
	// StartTimeout bounds starting a plugin and its handshake. Zero means
	// DefaultStartTimeout.
	StartTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HealthInterval <= 0 {
		o.HealthInterval = DefaultHealthInterval
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	return o
}

// Host runs the configured plugins. Its schemes exist from New on; the
// programs run from Start to Close.
type Host struct {
	plugins []*Plugin

	mu      sync.Mutex
	started bool
	closed  bool
}

// New checks cfgs and returns a Host for them, without starting anything.
// A name must be a scheme name no built-in ACL scheme or pseudo-scheme
// uses, and unique; a path must be given.
func New(cfgs []Config, opts Options) (*Host, error) {
	opts = opts.withDefaults()
	h := &Host{}
	seen := map[string]bool{}
	var errs []error
	for i, c := range cfgs {
		if err := checkConfig(c); err != nil {
			errs = append(errs, fmt.Errorf("plugin %d (%q): %w", i, c.Name, err))
			continue
		}
		if seen[c.Name] {
			errs = append(errs, fmt.Errorf("plugin %d: scheme %q is configured twice", i, c.Name))
			continue
		}
		seen[c.Name] = true
		h.plugins = append(h.plugins, newPlugin(c, opts))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("auth plugins: %w", err)
	}
	return h, nil
}

// CheckName reports why name cannot be a plugin's scheme, or nil.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("the scheme name is empty")
	case name == auth.SchemeAuth || name == auth.SchemeSuper:
		return fmt.Errorf("%q is a pseudo-scheme of ACLs", name)
	case strings.ContainsAny(name, ": \t\r\n"):
		return fmt.Errorf("scheme name %q has a colon or a space", name)
	}
	if _, builtin := auth.Default.Get(name); builtin {
		return fmt.Errorf("%q is a built-in scheme", name)
	}
	return nil
}

func checkConfig(c Config) error {
	if err := CheckName(c.Name); err != nil {
		return err
	}
	if c.Path == "" {
		return errors.New("no path to the plugin's executable")
	}
	if c.Timeout < 0 || c.MatchTimeout < 0 {
		return errors.New("a timeout is negative")
	}
	return nil
}

// Schemes returns the plugins as ACL schemes, to add to the Checker's
// registry.
func (h *Host) Schemes() []auth.Scheme {
	out := make([]auth.Scheme, len(h.plugins))
	for i, p := range h.plugins {
		out[i] = p
	}
	return out
}

// Plugins returns the host's plugins.
func (h *Host) Plugins() []*Plugin { return h.plugins }

// Start launches every plugin and waits until each has started or failed
// its first start (or ctx ends), so that a healthy plugin serves from the
// node's first request. A plugin that fails to start does not fail Start:
// it is logged and retried in the background, and its scheme fails until it
// runs.
func (h *Host) Start(ctx context.Context) error {
	h.mu.Lock()
	if h.started || h.closed {
		h.mu.Unlock()
		return errors.New("auth plugins: Start called twice or after Close")
	}
	h.started = true
	h.mu.Unlock()
	for _, p := range h.plugins {
		p.launch()
	}
	for _, p := range h.plugins {
		select {
		case <-p.firstTry:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// Close stops every plugin and waits for their supervisors to end. It
// returns nil; the error is for fx's stop hook.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	started := h.started
	h.mu.Unlock()
	if !started {
		return nil
	}
	var wg sync.WaitGroup
	for _, p := range h.plugins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.shutdown()
		}()
	}
	wg.Wait()
	return nil
}
