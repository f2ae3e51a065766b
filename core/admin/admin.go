// Package admin is the AdminServer: ZooKeeper's HTTP command interface
// (JettyAdminServer), with its command names, aliases and JSON shapes.
package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"

	"github.com/warrenzk/warren/core/server"
)

// aliases maps ZooKeeper's short names (Commands.java) to primary names.
var aliases = map[string]string{
	"crst": "connection_stat_reset", "conf": "configuration", "config": "configuration",
	"cons": "connections", "env": "environment", "envi": "environment", "gtmk": "get_trace_mask",
	"icfg": "initial_configuration", "isro": "is_read_only", "lead": "leader", "lsnp": "last_snapshot", "mntr": "monitor",
	"orst": "observer_connection_stat_reset", "stmk": "set_trace_mask", "srvr": "server_stats",
	"stat": "stats", "srst": "stat_reset", "sysp": "system_properties", "obsr": "observers", "wchc": "watches",
	"wchp": "watches_by_path", "wchs": "watch_summary",
}

// Commands is what the AdminServer runs commands on; *server.Server is one.
type Commands interface {
	AdminCommand(name string) (map[string]any, error)
}

// Handler serves the commands under prefix ("/commands" by default):
// prefix lists them as links, prefix/<name> runs one. initialConfig is the
// configuration file's text, for initial_configuration.
func Handler(cmds Commands, prefix, initialConfig string) http.Handler {
	prefix = strings.TrimSuffix(prefix, "/")
	names := append(server.AdminCommandNames(), "initial_configuration")
	slices.Sort(names)
	mux := http.NewServeMux()
	mux.HandleFunc(prefix+"/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if p, ok := aliases[name]; ok {
			name = p
		}
		var resp map[string]any
		var err error
		if name == "initial_configuration" {
			resp = map[string]any{"initial_configuration": initialConfig}
		} else {
			resp, err = cmds.AdminCommand(name)
		}
		if resp == nil {
			resp = map[string]any{}
		}
		resp["command"] = name
		resp["error"] = nil
		switch {
		case errors.Is(err, server.ErrUnknownCommand):
			resp["error"] = "Unknown command: " + name
		case err != nil:
			resp["error"] = err.Error()
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(resp)
	})
	listAll := func(w http.ResponseWriter, r *http.Request) { list(w, prefix, names) }
	mux.HandleFunc(prefix, listAll)
	mux.HandleFunc(prefix+"/{$}", listAll)
	return mux
}

// list is the page ZooKeeper serves at the command URL: a link per command.
func list(w http.ResponseWriter, prefix string, names []string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	for _, n := range names {
		fmt.Fprintf(w, "<a href=\"%s/%s\">%s</a>\n<br/>\n", prefix, html.EscapeString(n), html.EscapeString(n))
	}
}
