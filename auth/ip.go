package auth

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/warrenzk/warren/core/proto"
)

func init() { Register(IP{}) }

// errNoRemoteAddr is why addauth ip fails on a transport without addresses.
var errNoRemoteAddr = errors.New("auth: ip: connection has no IP remote address")

// IP is the ip scheme. A session holds ip:<its remote address> from the
// moment it connects (see Checker.ConnectIDs); an ACL entry is an IPv4 or
// IPv6 address, optionally with a prefix length ("10.0.0.0/8", "fe80::/10"),
// and matches a session whose address has the same leading bits. An IPv4
// address never matches an IPv6 entry or the reverse.
//
// Addresses are parsed as ZooKeeper's IPAuthenticationProvider parses them,
// so the same ACLs are valid on both: dotted IPv4 with exactly four decimal
// fields (leading zeros allowed, "010" is ten), IPv6 as eight groups of one
// to four hex digits with at most one "::" and no embedded IPv4 or zone.
// Warren rejects the sign characters Java's Integer.parseInt would accept
// ("+1", "-0").
type IP struct{}

// Name returns "ip".
func (IP) Name() string { return SchemeIP }

// Authenticate ignores auth and returns the connection's address, as
// ZooKeeper's addauth ip does; it fails when the connection has no IP address.
func (IP) Authenticate(_ context.Context, conn ConnInfo, _ []byte) ([]proto.Id, error) {
	host, ok := hostAddress(conn.RemoteAddr)
	if !ok {
		return nil, errNoRemoteAddr
	}
	return []proto.Id{{Scheme: SchemeIP, ID: host}}, nil
}

// Matches reports whether the address in id lies within aclID.
func (IP) Matches(_ context.Context, _ ConnInfo, id proto.Id, aclID string) bool {
	return ipMatches(id.ID, aclID)
}

// ValidID reports whether aclID is an address or address/bits with bits no
// larger than the address.
func (IP) ValidID(aclID string) bool {
	_, _, ok := parseIPExpr(aclID)
	return ok
}

// IsAuthenticated is false: an address does not name a principal, so "auth"
// ACL entries never expand to ip ids.
func (IP) IsAuthenticated() bool { return false }

// ipMatches is IPAuthenticationProvider.matches: both addresses masked to the
// entry's prefix length and compared, same family only.
func ipMatches(addr, aclExpr string) bool {
	aclAddr, bits, ok := parseIPExpr(aclExpr)
	if !ok {
		return false
	}
	remote, ok := parseIPBytes(addr)
	if !ok || len(remote) != len(aclAddr) {
		return false
	}
	mask(aclAddr, bits)
	mask(remote, bits)
	return string(remote) == string(aclAddr)
}

// parseIPExpr parses "addr" or "addr/bits"; bits defaults to the address size.
func parseIPExpr(expr string) (addr []byte, bits int, ok bool) {
	host, prefix, hasPrefix := strings.Cut(expr, "/")
	addr, ok = parseIPBytes(host)
	if !ok {
		return nil, 0, false
	}
	bits = len(addr) * 8
	if hasPrefix {
		bits, ok = parseDecimal(prefix)
		if !ok || bits > len(addr)*8 {
			return nil, 0, false
		}
	}
	return addr, bits, true
}

// parseIPBytes returns the 4 or 16 bytes of a textual address: IPv6 if it
// holds a colon, else IPv4 if it holds a dot.
func parseIPBytes(s string) ([]byte, bool) {
	switch {
	case strings.Contains(s, ":"):
		return parseIPv6(s)
	case strings.Contains(s, "."):
		return parseIPv4(s)
	}
	return nil, false
}

func parseIPv4(s string) ([]byte, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return nil, false
	}
	b := make([]byte, 4)
	for i, p := range parts {
		v, ok := parseDecimal(p)
		if !ok || v > 255 {
			return nil, false
		}
		b[i] = byte(v)
	}
	return b, true
}

func parseIPv6(s string) ([]byte, bool) {
	var head, tail []string
	switch halves := strings.Split(s, "::"); len(halves) {
	case 1:
		head = strings.Split(s, ":")
		if len(head) != 8 {
			return nil, false
		}
	case 2:
		if halves[0] != "" {
			head = strings.Split(halves[0], ":")
		}
		if halves[1] != "" {
			tail = strings.Split(halves[1], ":")
		}
		if len(head)+len(tail) >= 8 {
			return nil, false
		}
	default:
		return nil, false
	}
	b := make([]byte, 16)
	if !putIPv6Groups(b, head) || !putIPv6Groups(b[16-2*len(tail):], tail) {
		return nil, false
	}
	return b, true
}

func putIPv6Groups(b []byte, groups []string) bool {
	for i, g := range groups {
		if g == "" || len(g) > 4 {
			return false
		}
		v, err := strconv.ParseUint(g, 16, 16)
		if err != nil {
			return false
		}
		b[2*i], b[2*i+1] = byte(v>>8), byte(v)
	}
	return true
}

// parseDecimal parses a non-empty run of ASCII digits (any length of leading
// zeros), refusing values that overflow.
func parseDecimal(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
		if v > 1<<16 {
			return 0, false
		}
	}
	return v, true
}

// mask clears every bit of b after the first bits.
func mask(b []byte, bits int) {
	i := bits / 8
	if i >= len(b) {
		return
	}
	b[i] &^= byte(0xFF >> (bits % 8))
	clear(b[i+1:])
}

// hostAddress formats the IP of addr as Java's InetAddress.getHostAddress
// does, which is what ZooKeeper stores in a session's ip id (and whoAmI
// shows): dotted IPv4 (also for IPv4-mapped IPv6), and IPv6 as eight
// lower-case hex groups without zero compression ("0:0:0:0:0:0:0:1"). Unlike
// Java, a zone ("%eth0") is dropped, so link-local clients can match ip ACLs.
func hostAddress(addr net.Addr) (string, bool) {
	var ip netip.Addr
	switch a := addr.(type) {
	case nil:
		return "", false
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case *net.UDPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case *net.IPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		} else if ip, err = netip.ParseAddr(a.String()); err != nil {
			return "", false
		}
	}
	if !ip.IsValid() {
		return "", false
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String(), true
	}
	b := ip.As16()
	var sb strings.Builder
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(strconv.FormatUint(uint64(b[i])<<8|uint64(b[i+1]), 16))
	}
	return sb.String(), true
}

// Interface guards.
var (
	_ Scheme              = IP{}
	_ AuthenticatedScheme = IP{}
)
