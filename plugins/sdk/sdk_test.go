package sdk

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/warrenzk/warren/plugins/internal/wire"
)

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"token": true, "my-corp": true, "": false, "digest": false, "ip": false, "world": false,
		"auth": false, "super": false, "x509": false, "a:b": false, "a b": false,
	} {
		if err := checkName(name); (err == nil) != ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

type panicky struct{}

func (panicky) Authenticate(context.Context, AuthRequest) ([]string, error) { panic("boom") }
func (panicky) ValidID(string) bool                                         { panic("boom") }
func (panicky) Matches(string, string) bool                                 { panic("boom") }

// TestServerRecoversPanics: a panic in the scheme becomes an error of the
// call, not the end of the plugin.
func TestServerRecoversPanics(t *testing.T) {
	s := &server{cfg: Config{Name: "p"}, s: panicky{}}
	ctx := context.Background()
	if _, err := s.Authenticate(ctx, &wire.AuthenticateRequest{}); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("Authenticate: %v", err)
	}
	if _, err := s.ValidID(ctx, &wire.ValidIDRequest{ID: "x"}); err == nil {
		t.Error("ValidID: no error")
	}
	if _, err := s.Match(ctx, &wire.MatchRequest{}); err == nil {
		t.Error("Match: no error")
	}
	info, _ := s.Info(ctx, &wire.InfoRequest{})
	if !info.CustomMatch || info.Scheme != "p" {
		t.Errorf("Info = %+v", info)
	}
}

// TestLoggerFormat: the records are the JSON go-plugin relays with their
// level (hclog's @level and @message keys, no timestamp it cannot parse).
func TestLoggerFormat(t *testing.T) {
	var b strings.Builder
	l := newLogger(&b)
	l.Warn("token file unusable", "err", "denied")
	var m map[string]any
	if err := json.Unmarshal([]byte(b.String()), &m); err != nil {
		t.Fatalf("%q: %v", b.String(), err)
	}
	if m["@level"] != "warn" || m["@message"] != "token file unusable" || m["err"] != "denied" {
		t.Errorf("record %v", m)
	}
	if _, ok := m["time"]; ok {
		t.Errorf("record has a time: %v", m)
	}
}
