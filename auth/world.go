package auth

import (
	"context"
	"errors"

	"github.com/warrenzk/warren/core/proto"
)

func init() { Register(World{}) }

// errWorldAuth is why addauth of the world scheme fails: ZooKeeper has no
// world provider to authenticate with, so it answers AuthFailed.
var errWorldAuth = errors.New("auth: the world scheme takes no addauth")

// World is the world scheme. Its only id is "anyone", which every session
// matches; the Checker grants world:anyone entries without asking the scheme,
// exactly as ZooKeeper hard-codes them.
type World struct{}

// Name returns "world".
func (World) Name() string { return SchemeWorld }

// Authenticate always fails: nobody authenticates as world.
func (World) Authenticate(context.Context, ConnInfo, []byte) ([]proto.Id, error) {
	return nil, errWorldAuth
}

// Matches reports whether aclID is "anyone".
func (World) Matches(_ context.Context, _ ConnInfo, _ proto.Id, aclID string) bool {
	return aclID == proto.WorldAnyone.ID
}

// ValidID reports whether aclID is "anyone", the only world id.
func (World) ValidID(aclID string) bool { return aclID == proto.WorldAnyone.ID }

// IsAuthenticated is false: world names no principal.
func (World) IsAuthenticated() bool { return false }

// Interface guards.
var (
	_ Scheme              = World{}
	_ AuthenticatedScheme = World{}
)
