package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestLoadZooCfgMetricsAndAdmin(t *testing.T) {
	dir := t.TempDir()
	got, ignored, err := LoadZooCfg(zooFile(t, dir, `dataDir=<dir>
metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
metricsProvider.httpHost=127.0.0.1
metricsProvider.httpPort=7001
metricsProvider.exportJvmInfo=false
admin.enableServer=true
admin.serverAddress=127.0.0.2
zookeeper.admin.serverPort=9090
admin.commandURL=/cmds
`), Default())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Metrics{Enabled: true, HTTPHost: "127.0.0.1", HTTPPort: 7001}); got.Metrics != want {
		t.Errorf("Metrics = %+v, want %+v", got.Metrics, want)
	}
	if want := (Admin{EnableServer: true, ServerAddress: "127.0.0.2", ServerPort: 9090, CommandURL: "/cmds"}); got.Admin != want {
		t.Errorf("Admin = %+v, want %+v", got.Admin, want)
	}
	if !reflect.DeepEqual(ignored, []string{"metricsProvider.exportJvmInfo"}) {
		t.Errorf("ignored = %v", ignored)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

func TestLoadZooCfgMetricsAndAdminErrors(t *testing.T) {
	for _, line := range []string{
		"metricsProvider.className=com.example.Other",
		"metricsProvider.httpPort=x",
		"admin.enableServer=maybe",
	} {
		dir := t.TempDir()
		_, _, err := LoadZooCfg(zooFile(t, dir, "dataDir=<dir>\n"+line+"\n"), Default())
		key, _, _ := strings.Cut(line, "=")
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: err = %v, want one naming the key", line, err)
		}
	}
	c := Default()
	c.Admin.ServerPort = 70000
	c.Admin.CommandURL = "commands"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "admin.server_port") || !strings.Contains(err.Error(), "admin.command_url") {
		t.Errorf("Validate = %v", err)
	}
}
