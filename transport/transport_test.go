package transport_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/warrenzk/warren/transport"
)

type fake struct{}

func (fake) Listen(string) (net.Listener, error)            { return nil, nil }
func (fake) Dial(context.Context, string) (net.Conn, error) { return nil, nil }

func TestRegistry(t *testing.T) {
	r := transport.NewRegistry()
	var got transport.Config
	r.Register("mem", func(cfg transport.Config) (transport.Transport, error) {
		got = cfg
		return fake{}, nil
	})
	boom := errors.New("no such option")
	r.Register("bad", func(transport.Config) (transport.Transport, error) { return nil, boom })

	if names := r.Names(); strings.Join(names, ",") != "bad,mem" {
		t.Errorf("Names() = %v", names)
	}
	if _, err := r.Open("mem", transport.Config{Options: map[string]any{"k": 1}}); err != nil {
		t.Fatalf("Open(mem): %v", err)
	}
	if got.Options["k"] != 1 {
		t.Errorf("factory got %+v", got)
	}
	if _, err := r.Open("bad", transport.Config{}); !errors.Is(err, boom) || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("factory error = %v, want it wrapped with the name", err)
	}
	_, err := r.Open("quic", transport.Config{})
	if !errors.Is(err, transport.ErrUnknownTransport) || !strings.Contains(err.Error(), "bad, mem") {
		t.Errorf("Open(unknown) = %v, want ErrUnknownTransport listing bad, mem", err)
	}
}

func TestRegisterPanics(t *testing.T) {
	f := func(transport.Config) (transport.Transport, error) { return fake{}, nil }
	for name, fn := range map[string]func(r *transport.Registry){
		"duplicate":   func(r *transport.Registry) { r.Register("x", f); r.Register("x", f) },
		"empty name":  func(r *transport.Registry) { r.Register("", f) },
		"nil factory": func(r *transport.Registry) { r.Register("x", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			fn(transport.NewRegistry())
		})
	}
}
