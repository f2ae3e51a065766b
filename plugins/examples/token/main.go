// Command warren-auth-token is an example Warren auth plugin: the "token"
// ACL scheme. The operator keeps a file of tokens, one per line with the
// user it stands for:
//
//	# token                              user
//	3f9c1e0a6b2d4f8e9a7c5b1d3e2f4a6c     alice
//	b7e2c9d41f6a8e3c5d7b9a1f2e4c6d8a     deploy-bot
//
// "addauth token 3f9c1e0a…" gives the session the id token:alice, and an
// ACL entry token:alice grants its permissions to it. The file is read again
// whenever it changes (its size, modification time or inode), so revoking a
// token is editing the file; a file that cannot be read fails every addauth
// until it can. ids are user names, so matching is the default equality done
// inside Warren, and an "auth" ACL entry expands to token:<user>.
//
// Usage (by Warren, from auth.plugins):
//
//	warren-auth-token -file /etc/warren/tokens
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/warrenzk/warren/plugins/sdk"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	fs := flag.NewFlagSet("warren-auth-token", flag.ContinueOnError)
	file := fs.String("file", "/etc/warren/tokens", "the token `file`: lines of \"token user\"")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	sdk.Serve(sdk.Config{Name: "token", Authenticated: true, Version: version}, &scheme{store: newStore(*file), log: sdk.Logger()})
}

// scheme is the token scheme over a store.
type scheme struct {
	store *store
	log   *slog.Logger
}

// Authenticate looks the token up in the file.
func (s *scheme) Authenticate(_ context.Context, req sdk.AuthRequest) ([]string, error) {
	user, err := s.store.lookup(string(req.Auth))
	if err != nil {
		s.log.Warn("token file unusable; refusing addauth", "err", err)
		return nil, err
	}
	if user == "" {
		return nil, fmt.Errorf("unknown token from %s", req.RemoteAddr)
	}
	return []string{user}, nil
}

// ValidID accepts user names as the token file may hold them.
func (s *scheme) ValidID(id string) bool { return validUser(id) }
