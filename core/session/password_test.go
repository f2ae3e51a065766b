package session

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/internal/wiretest"
	"github.com/warrenzk/warren/core/proto"
)

// TestPasswordByHand pins Password(0) to a value derived by hand from the
// java.util.Random specification (Java SE API, class Random):
//
//	setSeed(s):   seed = (s ^ 0x5DEECE66D) & (2^48-1)
//	next(32):     seed = (seed*0x5DEECE66D + 0xB) & (2^48-1); return (int)(seed >>> 16)
//	nextBytes(b): each nextInt() = next(32) fills 4 bytes, low byte first
//
// For session 0 the seed is 0 ^ 0xB3415C00 = 0xB3415C00, so
//
//	seed0 = 0xB3415C00 ^ 0x5DEECE66D                       = 0x0005_6DAD_BA6D
//	seed1 = (seed0*0x5DEECE66D + 0xB) mod 2^48             = 0x4ACD_2AF2_4E74 → int 0x4ACD2AF2 → f2 2a cd 4a
//	seed2 = (seed1*0x5DEECE66D + 0xB) mod 2^48             = 0x6D9D_E697_9F6F → int 0x6D9DE697 → 97 e6 9d 6d
//	seed3 = ...                                            = 0xB69B_A420_9C4E → int 0xB69BA420 → 20 a4 9b b6
//	seed4 = ...                                            = 0x38DB_EA38_A141 → int 0x38DBEA38 → 38 ea db 38
//
// The other rows were printed by Java 17's own java.util.Random running
// ZooKeeperServer.generatePasswd's three lines; they cover a negative id and
// the fact that only the low 48 bits of the seed count (MinInt64 == 0).
func TestPasswordByHand(t *testing.T) {
	tests := []struct {
		id   int64
		want string
	}{
		{0, "f22acd4a97e69d6d20a49bb638eadb38"},
		{1, "054cc74a37327db215e702e20c73f005"},
		{-1, "20f62cb5648dc2d771471c8a2486a9ee"},
		{-1 << 63, "f22acd4a97e69d6d20a49bb638eadb38"},
		{0x7f00000000001234, "3c18abe05b0e6182741d625d127c15b0"},
	}
	for _, tt := range tests {
		got := hex.EncodeToString(Password(tt.id))
		if got != tt.want {
			t.Errorf("Password(%#x) = %s, want %s", tt.id, got, tt.want)
		}
		if !CheckPassword(tt.id, mustHex(t, tt.want)) {
			t.Errorf("CheckPassword(%#x, own password) = false", tt.id)
		}
	}
}

func TestCheckPasswordRejects(t *testing.T) {
	const id = 0x0100000e363d0000
	good := Password(id)
	bad := bytes.Clone(good)
	bad[15] ^= 1
	for name, pw := range map[string][]byte{
		"flipped bit": bad,
		"short":       good[:15],
		"long":        append(bytes.Clone(good), 0),
		"empty":       nil,
		"other id":    Password(id + 1),
		"all zero":    make([]byte, PasswordLen),
	} {
		if CheckPassword(id, pw) {
			t.Errorf("%s: CheckPassword accepted %x", name, pw)
		}
	}
}

// TestPasswordMatchesCaptures checks Password against every session a real
// ZooKeeper 3.8.0 server created in the captures: the ConnectResponse frames
// carry the session id and its password.
func TestPasswordMatchesCaptures(t *testing.T) {
	files := wiretest.Files(t, "client")
	var checked int
	var sawConnectCapture bool
	for _, file := range files {
		for _, resp := range connectResponses(t, file) {
			if resp.SessionID == 0 {
				continue // expired / rejected: TimeOut 0 and a zero password
			}
			if filepath.Base(file) == "java-connect.jsonl" {
				sawConnectCapture = true
			}
			if got := Password(resp.SessionID); !bytes.Equal(got, resp.Passwd) {
				t.Errorf("%s: session %#x: Password = %x, ZooKeeper sent %x",
					filepath.Base(file), resp.SessionID, got, resp.Passwd)
			}
			checked++
		}
	}
	if !sawConnectCapture {
		t.Error("java-connect.jsonl held no ConnectResponse")
	}
	t.Logf("%d captured sessions checked", checked)
}

// connectResponses decodes the server's ConnectResponse frames in one
// capture file (one JSON object per line; the hex has no length prefix).
func connectResponses(t *testing.T, file string) []proto.ConnectResponse {
	t.Helper()
	var out []proto.ConnectResponse
	for _, l := range wiretest.Read(t, file) {
		if l.Dir != "s2c" || l.Kind != "frame" || !strings.HasPrefix(l.Note, "ConnectResponse") {
			continue
		}
		var resp proto.ConnectResponse
		if err := proto.Unmarshal(l.Bytes, &resp); err != nil {
			t.Fatalf("%s: decode %s: %v", file, l.Hex, err)
		}
		out = append(out, resp)
	}
	return out
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
