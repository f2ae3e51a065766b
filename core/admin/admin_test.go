package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/warrenzk/warren/core/server"
)

type fake struct{}

func (fake) AdminCommand(name string) (map[string]any, error) {
	switch name {
	case "ruok", "last_snapshot", "system_properties":
		return map[string]any{}, nil
	case "leader":
		return nil, errors.New("server is not initialized")
	}
	return nil, server.ErrUnknownCommand
}

func get(t *testing.T, h *httptest.Server, path string) (string, map[string]any) {
	t.Helper()
	resp, err := h.Client().Get(h.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return string(b), m
}

func TestHandler(t *testing.T) {
	h := httptest.NewServer(Handler(fake{}, "/commands", "tickTime=2000\n"))
	defer h.Close()
	for _, c := range []struct {
		path, command string
		err           any
	}{
		{"/commands/ruok", "ruok", nil},
		{"/commands/lead", "leader", "server is not initialized"},
		{"/commands/icfg", "initial_configuration", nil},
		{"/commands/lsnp", "last_snapshot", nil},
		{"/commands/sysp", "system_properties", nil},
		{"/commands/nosuch", "nosuch", "Unknown command: nosuch"},
	} {
		_, m := get(t, h, c.path)
		if m["command"] != c.command || m["error"] != c.err {
			t.Errorf("%s: command %v, error %v; want %v, %v", c.path, m["command"], m["error"], c.command, c.err)
		}
	}
	if _, m := get(t, h, "/commands/initial_configuration"); m["initial_configuration"] != "tickTime=2000\n" {
		t.Errorf("initial_configuration = %v", m["initial_configuration"])
	}
	for _, p := range []string{"/commands", "/commands/"} {
		if body, _ := get(t, h, p); !strings.Contains(body, `<a href="/commands/watches_by_path">watches_by_path</a>`) {
			t.Errorf("%s lists:\n%s", p, body)
		}
	}
}
