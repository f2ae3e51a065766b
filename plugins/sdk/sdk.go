// Package sdk is what a third party imports to write an ACL scheme for
// Warren as a separate program: implement Scheme (and Matcher, if ACL
// entries of the scheme are patterns rather than ids), and call Serve from
// main. Warren starts the program, talks to it over gRPC through
// hashicorp/go-plugin, checks its health, and restarts it if it crashes or
// hangs. docs/plugins.md walks through writing, building, configuring,
// versioning and debugging a plugin.
//
// # How Warren calls a scheme
//
// Authenticate runs once per addauth, on the connection that sent it, under
// the plugin's call timeout (auth.plugins[].timeout, default 2s): past it,
// or on any error, the client gets AuthFailed and its connection is closed,
// as in ZooKeeper. It may take its time within that bound (read a file, ask
// a server), and should honour ctx.
//
// ValidID and Matches sit on Warren's request path: they are asked while the
// node holds the lock that orders every write, and Matches also while it
// filters watch events. So:
//
//   - They must be pure functions of their arguments, fast, and never block:
//     no I/O, no locks held by slow code. Anything that needs I/O (a token
//     store, a directory) belongs in Authenticate, which turns credentials
//     into ids.
//   - Warren calls them under a short timeout (auth.plugins[].match_timeout,
//     default 100ms) and treats a timeout or an error as "invalid" and "no
//     match": the ACL denies, it never waits for the plugin.
//   - Warren caches their answers (ValidID for good, Matches briefly), so a
//     scheme whose answers change over time is not one Warren supports.
//   - A scheme that does not implement Matcher matches an ACL entry when the
//     entry's id equals the session's id, entirely inside Warren: no call
//     is made. Prefer that: issue ids in Authenticate that ACL entries name
//     exactly.
//
// A panic in a Scheme method is recovered and reported as an error (so
// AuthFailed, invalid, or no match); the plugin keeps running.
package sdk

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/warrenzk/warren/plugins/internal/wire"
)

// ProtocolVersion is the version of the protocol between Warren and its
// plugins that this SDK speaks. Warren refuses a plugin built with an SDK
// whose version it does not speak, with an error naming both versions;
// rebuild the plugin against the SDK of the Warren release you run.
const ProtocolVersion = wire.ProtocolVersion

// Scheme is an ACL scheme served by a plugin. Its methods may be called
// concurrently.
type Scheme interface {
	// Authenticate turns the bytes of "addauth <scheme> <bytes>" into the
	// ids the session gains; each id is the part after "<scheme>:" of an
	// ACL id. An error or no ids means AuthFailed; the error's text goes to
	// Warren's log, never to the client.
	Authenticate(ctx context.Context, req AuthRequest) ([]string, error)
	// ValidID reports whether id may stand in an ACL entry of the scheme;
	// a create or setACL with an invalid id fails with InvalidACL. It must
	// be a pure function of id (see the package documentation).
	ValidID(id string) bool
}

// Matcher is implemented by a Scheme whose ACL entries are patterns: an
// entry aclID grants its permissions to a session holding id when Matches
// returns true. It must be pure and fast (see the package documentation).
type Matcher interface {
	Matches(id, aclID string) bool
}

// AuthRequest is one addauth.
type AuthRequest struct {
	// Auth is the bytes the client sent, as they are.
	Auth []byte
	// RemoteAddr is the client's address as host:port, or "" when the
	// transport has none.
	RemoteAddr string
}

// Config describes the scheme a plugin serves.
type Config struct {
	// Name is the scheme's name, as in ACL ids and addauth ("token"). The
	// operator's config must list the plugin under the same name.
	Name string
	// Authenticated tells whether the scheme's ids name a principal: an
	// "auth" ACL entry (ZooKeeper's "the creator") expands to them. True
	// for a scheme like digest or token, false for one like ip.
	Authenticated bool
	// Version is the plugin's own version, shown in Warren's log.
	Version string
}

// Serve serves s as cfg.Name until Warren stops the plugin, then returns. Call
// it from main. Run by hand instead of by Warren, it prints that it is a
// plugin and exits with status 1.
func Serve(cfg Config, s Scheme) {
	if err := checkName(cfg.Name); err != nil {
		fmt.Fprintln(os.Stderr, "warren plugin:", err)
		os.Exit(1)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: wire.PluginSets(ProtocolVersion, &server{cfg: cfg, s: s}),
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}

// checkName refuses names Warren would refuse, so that the plugin author
// sees the mistake when the plugin starts.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("sdk.Config.Name is empty")
	case name == "auth" || name == "super" || name == "world" || name == "digest" || name == "ip" || name == "x509":
		return fmt.Errorf("scheme name %q is taken by ZooKeeper", name)
	case strings.ContainsAny(name, ": \t\r\n"):
		return fmt.Errorf("scheme name %q has a colon or a space", name)
	}
	return nil
}

// Logger returns a logger whose records Warren shows in its own log, with
// their level and attributes, tagged with the plugin. A plugin must not
// write to stdout: go-plugin's handshake uses it.
func Logger() *slog.Logger { return newLogger(os.Stderr) }

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			// go-plugin reads hclog's JSON keys; its time format differs
			// from slog's, and the host stamps lines anyway.
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{}
			case slog.LevelKey:
				return slog.String("@level", strings.ToLower(a.Value.String()))
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	}))
}

// server adapts a Scheme to the wire service.
type server struct {
	cfg Config
	s   Scheme
}

// guard turns a panic in the scheme into an Internal error.
func guard(method string, err *error) {
	if r := recover(); r != nil {
		*err = status.Errorf(codes.Internal, "%s panicked: %v", method, r)
	}
}

func (v *server) Info(context.Context, *wire.InfoRequest) (*wire.InfoResponse, error) {
	_, custom := v.s.(Matcher)
	return &wire.InfoResponse{Scheme: v.cfg.Name, Authenticated: v.cfg.Authenticated, CustomMatch: custom, Version: v.cfg.Version}, nil
}

func (v *server) Authenticate(ctx context.Context, req *wire.AuthenticateRequest) (resp *wire.AuthenticateResponse, err error) {
	defer guard("Authenticate", &err)
	ids, err := v.s.Authenticate(ctx, AuthRequest{Auth: req.Auth, RemoteAddr: req.RemoteAddr})
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	return &wire.AuthenticateResponse{IDs: ids}, nil
}

func (v *server) ValidID(_ context.Context, req *wire.ValidIDRequest) (resp *wire.ValidIDResponse, err error) {
	defer guard("ValidID", &err)
	return &wire.ValidIDResponse{Valid: v.s.ValidID(req.ID)}, nil
}

func (v *server) Match(_ context.Context, req *wire.MatchRequest) (resp *wire.MatchResponse, err error) {
	defer guard("Matches", &err)
	m, ok := v.s.(Matcher)
	if !ok {
		return &wire.MatchResponse{Match: req.ID == req.ACLID}, nil
	}
	return &wire.MatchResponse{Match: m.Matches(req.ID, req.ACLID)}, nil
}

func (v *server) Ping(context.Context, *wire.PingRequest) (*wire.PingResponse, error) {
	return &wire.PingResponse{}, nil
}
