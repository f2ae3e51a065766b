package auth

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

// fakeScheme is a scheme whose behaviour a test chooses.
type fakeScheme struct {
	name   string
	ids    []proto.Id
	err    error
	panics bool
	authed bool
}

func (f fakeScheme) Name() string { return f.name }
func (f fakeScheme) Authenticate(context.Context, ConnInfo, []byte) ([]proto.Id, error) {
	if f.panics {
		panic("boom")
	}
	return f.ids, f.err
}
func (f fakeScheme) Matches(_ context.Context, _ ConnInfo, id proto.Id, aclID string) bool {
	return id.ID == aclID
}
func (f fakeScheme) ValidID(aclID string) bool { return aclID != "" }
func (f fakeScheme) IsAuthenticated() bool     { return f.authed }

func TestDefaultHoldsBuiltins(t *testing.T) {
	if got, want := Default.Names(), []string{"digest", "ip", "world"}; !slices.Equal(got, want) {
		t.Fatalf("Default.Names() = %v, want %v", got, want)
	}
	for _, name := range []string{"digest", "ip", "world"} {
		s, ok := Default.Get(name)
		if !ok || s.Name() != name {
			t.Errorf("Default.Get(%q) = %v, %v", name, s, ok)
		}
	}
	if _, ok := Default.Get("auth"); ok {
		t.Error(`"auth" must not be a registered scheme`)
	}
}

func TestRegisterPanics(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *Registry)
	}{
		{"duplicate", func(r *Registry) { r.Register(Digest{}); r.Register(Digest{}) }},
		{"empty name", func(r *Registry) { r.Register(fakeScheme{}) }},
		{"auth pseudo-scheme", func(r *Registry) { r.Register(fakeScheme{name: "auth"}) }},
		{"super pseudo-scheme", func(r *Registry) { r.Register(fakeScheme{name: "super"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tt.setup(&Registry{})
		})
	}
}

func TestSubset(t *testing.T) {
	sub, err := Default.Subset("digest", "world", "digest")
	if err != nil {
		t.Fatal(err)
	}
	if got := sub.Names(); !slices.Equal(got, []string{"digest", "world"}) {
		t.Errorf("Names() = %v", got)
	}
	_, err = Default.Subset("digest", "x509")
	if err == nil || !strings.Contains(err.Error(), `"x509"`) {
		t.Errorf("Subset(x509) error = %v, want one naming x509", err)
	}
}

func TestAddIDs(t *testing.T) {
	a := proto.Id{Scheme: "ip", ID: "127.0.0.1"}
	b := proto.Id{Scheme: "digest", ID: "u:h"}
	got := AddIDs([]proto.Id{a}, b, a, b)
	if want := []proto.Id{a, b}; !slices.Equal(got, want) {
		t.Errorf("AddIDs = %v, want %v", got, want)
	}
}
