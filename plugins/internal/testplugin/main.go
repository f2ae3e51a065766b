// Command testplugin is an auth plugin whose behaviour the tests of Warren
// choose, to exercise the host: addauth bytes are commands.
//
//	user:<id>      -> the id
//	fail           -> an error (AuthFailed)
//	panic          -> a panic in the scheme
//	many           -> more ids than Warren accepts
//	sleep:<dur>    -> sleep, then the id "slept"
//	exit           -> the process exits
//	len            -> the id "len:<number of bytes>"
//
// ValidID accepts ids without spaces other than "bad"; with -match, an ACL
// id ending in "*" matches every id it prefixes. -version serves another
// protocol version than Warren's; -scheme changes the name it declares.
package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/warrenzk/warren/plugins/internal/wire"
	"github.com/warrenzk/warren/plugins/sdk"
)

func main() {
	scheme := flag.String("scheme", "test", "scheme name to declare")
	match := flag.Bool("match", false, "custom matching: acl ids ending in * are prefixes")
	version := flag.Int("version", sdk.ProtocolVersion, "protocol version to serve")
	flag.Parse()
	cfg := sdk.Config{Name: *scheme, Authenticated: true, Version: "test"}
	var s sdk.Scheme = testScheme{}
	if *match {
		s = matchScheme{}
	}
	if *version != sdk.ProtocolVersion {
		// What a plugin built against another SDK looks like to the host.
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  plugin.HandshakeConfig{ProtocolVersion: uint(*version), MagicCookieKey: wire.Handshake.MagicCookieKey, MagicCookieValue: wire.Handshake.MagicCookieValue},
			VersionedPlugins: wire.PluginSets(*version, otherVersion{}),
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	}
	sdk.Serve(cfg, s)
}

type testScheme struct{}

func (testScheme) Authenticate(ctx context.Context, req sdk.AuthRequest) ([]string, error) {
	cmd := string(req.Auth)
	switch {
	case strings.HasPrefix(cmd, "user:"):
		return []string{strings.TrimPrefix(cmd, "user:")}, nil
	case cmd == "fail":
		return nil, errors.New("refused on purpose")
	case cmd == "panic":
		panic("test plugin panics on purpose")
	case cmd == "many":
		ids := make([]string, 100)
		for i := range ids {
			ids[i] = strconv.Itoa(i)
		}
		return ids, nil
	case strings.HasPrefix(cmd, "sleep:"):
		d, _ := time.ParseDuration(strings.TrimPrefix(cmd, "sleep:"))
		select {
		case <-time.After(d):
		case <-ctx.Done():
			// Answering success here could reach the host just before its
			// own deadline: a slow plugin's answer is an error.
			return nil, ctx.Err()
		}
		return []string{"slept"}, nil
	case cmd == "exit":
		os.Exit(3)
	case cmd == "len":
		return []string{"len:" + strconv.Itoa(len(req.Auth))}, nil
	}
	return []string{"len:" + strconv.Itoa(len(req.Auth))}, nil
}

func (testScheme) ValidID(id string) bool { return id != "bad" && !strings.Contains(id, " ") }

type matchScheme struct{ testScheme }

func (matchScheme) Matches(id, aclID string) bool {
	if p, ok := strings.CutSuffix(aclID, "*"); ok {
		return strings.HasPrefix(id, p)
	}
	return id == aclID
}

// otherVersion serves the wire service as a plugin of another protocol
// version would; the host must refuse it before calling anything.
type otherVersion struct{}

func (otherVersion) Info(context.Context, *wire.InfoRequest) (*wire.InfoResponse, error) {
	return &wire.InfoResponse{Scheme: "wrongversion"}, nil
}
func (otherVersion) Authenticate(context.Context, *wire.AuthenticateRequest) (*wire.AuthenticateResponse, error) {
	return &wire.AuthenticateResponse{IDs: []string{"x"}}, nil
}
func (otherVersion) ValidID(context.Context, *wire.ValidIDRequest) (*wire.ValidIDResponse, error) {
	return &wire.ValidIDResponse{Valid: true}, nil
}
func (otherVersion) Match(context.Context, *wire.MatchRequest) (*wire.MatchResponse, error) {
	return &wire.MatchResponse{Match: true}, nil
}
func (otherVersion) Ping(context.Context, *wire.PingRequest) (*wire.PingResponse, error) {
	return &wire.PingResponse{}, nil
}
