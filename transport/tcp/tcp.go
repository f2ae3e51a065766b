// Package tcp is the plain TCP transport, registered as "tcp".
//
// Every connection, accepted or dialed, has Nagle's algorithm off
// (TCP_NODELAY: ZooKeeper's frames are small and latency-bound) and TCP
// keepalive on, so that a peer that vanished without a FIN is noticed even
// on an idle connection. Listening sockets use Go's defaults, which include
// SO_REUSEADDR on Unix, so a restarted server can bind its port while old
// connections sit in TIME_WAIT.
//
// Options (under the transport's name in the config file):
//
//	keepalive: idle time before the first keepalive probe, as a Go duration
//	           ("30s"); probes then repeat at the same interval. Default 15s.
package tcp

import (
	"context"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/warrenzk/warren/transport"
)

func init() { transport.Register("tcp", New) }

// DefaultKeepAlive is the keepalive idle time and probe interval when the
// "keepalive" option is not set.
const DefaultKeepAlive = 15 * time.Second

// keepAliveProbes is how many unanswered probes drop the connection.
const keepAliveProbes = 9

// Transport is the TCP transport. The zero value is not usable; build one
// with New or NewTransport.
type Transport struct {
	listen net.ListenConfig
	dialer net.Dialer
}

// New builds a Transport from cfg; it is the registered Factory.
func New(cfg transport.Config) (transport.Transport, error) {
	keepAlive := DefaultKeepAlive
	for _, key := range sortedKeys(cfg.Options) {
		switch v := cfg.Options[key]; key {
		case "keepalive":
			d, err := duration(v)
			if err != nil {
				return nil, fmt.Errorf("tcp: option keepalive: %w", err)
			}
			if d <= 0 {
				return nil, fmt.Errorf("tcp: option keepalive: %v is not positive", d)
			}
			keepAlive = d
		default:
			return nil, fmt.Errorf("tcp: unknown option %q (known: keepalive)", key)
		}
	}
	return NewTransport(keepAlive), nil
}

// NewTransport returns a Transport whose connections send the first
// keepalive probe after keepAlive idle, then one every keepAlive.
func NewTransport(keepAlive time.Duration) *Transport {
	ka := net.KeepAliveConfig{Enable: true, Idle: keepAlive, Interval: keepAlive, Count: keepAliveProbes}
	return &Transport{
		listen: net.ListenConfig{KeepAliveConfig: ka},
		dialer: net.Dialer{KeepAliveConfig: ka},
	}
}

// Listen listens on TCP address addr. Go turns TCP_NODELAY on for every
// TCP connection and the ListenConfig turns keepalive on for every accepted
// one, so the listener returned is the standard *net.TCPListener.
func (t *Transport) Listen(addr string) (net.Listener, error) {
	l, err := t.listen.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tcp: %w", err)
	}
	return l, nil
}

// Dial connects to TCP address addr, giving up when ctx is done.
func (t *Transport) Dial(ctx context.Context, addr string) (net.Conn, error) {
	c, err := t.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tcp: %w", err)
	}
	return c, nil
}

// duration decodes a duration option: a time.Duration, or a string in Go's
// duration syntax as a config file holds it.
func duration(v any) (time.Duration, error) {
	switch v := v.(type) {
	case time.Duration:
		return v, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("parse %q: %w", v, err)
		}
		return d, nil
	default:
		return 0, fmt.Errorf("%v (%T) is not a duration such as \"30s\"", v, v)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Interface guards.
var (
	_ transport.Transport = (*Transport)(nil)
	_ transport.Factory   = New
)
