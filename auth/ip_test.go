package auth

import (
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/warrenzk/warren/core/proto"
)

func TestParseIPBytes(t *testing.T) {
	tests := []struct {
		in   string
		want []byte // nil: invalid
	}{
		{"127.0.0.1", []byte{127, 0, 0, 1}},
		{"010.0.0.255", []byte{10, 0, 0, 255}}, // decimal, not octal, as in Java
		{"1.2.3.256", nil},
		{"1.2.3", nil},
		{"1.2.3.4.5", nil},
		{"1.2..4", nil},
		{"1.2.3.+4", nil},
		{"1.2.3.a", nil},
		{"localhost", nil},
		{"", nil},
		// IPv6 vectors from ZooKeeper's IPAuthenticationProviderTest.
		{"2001:0db8:85a3:0000:0000:8a2e:0370:7334", []byte{0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0, 0, 0, 0, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x34}},
		{"2001:db8::8a2e:370:7334", []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x34}},
		{"2001:db8::1", []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{"::1", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{"::", make([]byte, 16)},
		{"1::", []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"0:0:0:0:0:0:0:1", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{"1", nil},
		{"1:2", nil},
		{"1::2:", nil},
		{":1::2:", nil},
		{"1:2:3:4:5:6:7:8:", nil},
		{"1:2:3:4:5:6:7:8:9", nil},
		{"1:2::3:4:5:6:7:8", nil},
		{"1::2::", nil},
		{"1:abcdf::", nil},
		{"efgh::", nil},
		{"1:: ", nil},
		{" 1::", nil},
		{":::", nil},
		{"::ffff:1.2.3.4", nil}, // embedded IPv4: not in ZooKeeper's parser
		{"fe80::1%eth0", nil},
		{"+1::", nil},
	}
	for _, tt := range tests {
		got, ok := parseIPBytes(tt.in)
		if ok != (tt.want != nil) || !bytes.Equal(got, tt.want) {
			t.Errorf("parseIPBytes(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

func TestIPMatches(t *testing.T) {
	tests := []struct {
		addr, acl string
		want      bool
	}{
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.2", false},
		{"10.1.2.3", "10.0.0.0/8", true},
		{"11.1.2.3", "10.0.0.0/8", false},
		{"192.168.1.77", "192.168.1.64/26", true},
		{"192.168.1.128", "192.168.1.64/26", false},
		{"192.168.1.77", "192.168.1.77/32", true},
		{"1.2.3.4", "0.0.0.0/0", true},
		{"1.2.3.4", "9.9.9.9/0", true},
		{"1.2.3.4", "1.2.3.4/33", false},
		{"1.2.3.4", "1.2.3.4/", false},
		{"1.2.3.4", "1.2.3.4/-1", false},
		{"1.2.3.4", "1.2.3.4/x", false},
		{"1.2.3.4", "::/0", false}, // families never mix
		{"0:0:0:0:0:0:0:1", "::1", true},
		{"0:0:0:0:0:0:0:1", "::1/128", true},
		{"0:0:0:0:0:0:0:1", "127.0.0.1", false},
		{"2001:db8:0:0:0:0:0:42", "2001:db8::/32", true},
		{"2001:db9:0:0:0:0:0:42", "2001:db8::/32", false},
		{"fe80:0:0:0:1:2:3:4", "fe80::/10", true},
		{"febf:0:0:0:0:0:0:1", "fe80::/10", true},
		{"fec0:0:0:0:0:0:0:1", "fe80::/10", false},
		{"2001:db8:0:0:0:0:0:1", "2001:db8::/129", false},
		{"not-an-ip", "0.0.0.0/0", false},
	}
	for _, tt := range tests {
		got := IP{}.Matches(context.Background(), ConnInfo{}, proto.Id{Scheme: "ip", ID: tt.addr}, tt.acl)
		if got != tt.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tt.addr, tt.acl, got, tt.want)
		}
	}
}

func TestIPValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"127.0.0.1", true},
		{"10.0.0.0/8", true},
		{"10.0.0.0/0", true},
		{"10.0.0.0/32", true},
		{"10.0.0.0/33", false},
		{"10.0.0.0/", false},
		{"10.0.0.0/8/8", false},
		{"::1", true},
		{"2001:db8::/32", true},
		{"2001:db8::/128", true},
		{"2001:db8::/129", false},
		{"anyone", false},
		{"host.example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := (IP{}).ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// stringAddr is a net.Addr of a transport that is not TCP.
type stringAddr string

func (a stringAddr) Network() string { return "test" }
func (a stringAddr) String() string  { return string(a) }

func TestHostAddress(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string // "": none
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}, "127.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 50000}, "0:0:0:0:0:0:0:1"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:10.1.2.3")}, "10.1.2.3"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::ab:0"), Zone: "eth0"}, "2001:db8:0:0:0:0:ab:0"},
		{&net.UDPAddr{IP: net.IPv4(10, 0, 0, 1)}, "10.0.0.1"},
		{&net.IPAddr{IP: net.IPv4(10, 0, 0, 2)}, "10.0.0.2"},
		{stringAddr("192.0.2.1:2181"), "192.0.2.1"},
		{stringAddr("[fe80::1%lo]:2181"), "fe80:0:0:0:0:0:0:1"},
		{stringAddr("192.0.2.7"), "192.0.2.7"},
		{stringAddr("pipe"), ""},
		{&net.TCPAddr{}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		got, ok := hostAddress(tt.addr)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("hostAddress(%v) = %q, %v; want %q", tt.addr, got, ok, tt.want)
		}
	}
}

func TestIPAuthenticate(t *testing.T) {
	conn := ConnInfo{RemoteAddr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 9), Port: 1}}
	ids, err := IP{}.Authenticate(context.Background(), conn, []byte("ignored"))
	if err != nil || len(ids) != 1 || ids[0] != (proto.Id{Scheme: "ip", ID: "192.0.2.9"}) {
		t.Errorf("Authenticate = %v, %v", ids, err)
	}
	if _, err := (IP{}).Authenticate(context.Background(), ConnInfo{}, nil); err == nil {
		t.Error("Authenticate without an address succeeded")
	}
}
