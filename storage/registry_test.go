package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/warrenzk/warren/storage"
)

type fakeBackend struct{ storage.Backend }

func TestRegistry(t *testing.T) {
	r := storage.NewRegistry()
	var got storage.Config
	r.Register("b", func(cfg storage.Config) (storage.Backend, error) {
		got = cfg
		return fakeBackend{}, nil
	})
	boom := errors.New("disk on fire")
	r.Register("a", func(storage.Config) (storage.Backend, error) { return nil, boom })

	if names := r.Names(); strings.Join(names, ",") != "a,b" {
		t.Errorf("Names() = %v, want [a b]", names)
	}
	cfg := storage.Config{DataDir: "/d", LogDir: "/l", PreAllocSize: 1 << 20}
	if _, err := r.Open("b", cfg); err != nil {
		t.Fatalf("Open(b): %v", err)
	}
	if got.DataDir != "/d" || got.LogDir != "/l" || got.NoSync || got.PreAllocSize != 1<<20 {
		t.Errorf("factory got %+v", got)
	}

	_, err := r.Open("a", cfg)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("factory error = %v, want it wrapped with the backend name", err)
	}

	_, err = r.Open("wal", cfg)
	if !errors.Is(err, storage.ErrUnknownBackend) {
		t.Errorf("Open(unknown) = %v, want ErrUnknownBackend", err)
	}
	if err != nil && !strings.Contains(err.Error(), "a, b") {
		t.Errorf("unknown-name error %q does not list the known names", err)
	}
}

func TestRegisterPanics(t *testing.T) {
	f := func(storage.Config) (storage.Backend, error) { return nil, nil }
	tests := map[string]func(r *storage.Registry){
		"duplicate":   func(r *storage.Registry) { r.Register("x", f); r.Register("x", f) },
		"empty name":  func(r *storage.Registry) { r.Register("", f) },
		"nil factory": func(r *storage.Registry) { r.Register("x", nil) },
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			fn(storage.NewRegistry())
		})
	}
}
