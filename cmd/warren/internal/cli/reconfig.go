package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// reconfigUsage is ReconfigCommand's option string.
const reconfigUsage = "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]"

// reconfigRequest reads reconfig's options as ReconfigCommand.parse does:
// an incremental change (-add, -remove) or a new membership (-members, or
// the server lines of -file), and the config version it expects (-v, in
// hex). Its errors are the command's parse errors.
func reconfigRequest(p *parsed) (*proto.ReconfigRequest, error) {
	add, hasAdd := p.value("add")
	remove, hasRemove := p.value("remove")
	members, hasMembers := p.value("members")
	file, hasFile := p.value("file")
	if !hasFile && !hasMembers && !hasAdd && !hasRemove {
		return nil, errUsage
	}
	req := &proto.ReconfigRequest{CurConfigID: -1}
	if v, ok := p.value("v"); ok {
		n, err := strconv.ParseInt(v, 16, 64)
		if err != nil {
			return nil, errorf("-v must be followed by a long (configuration version)")
		}
		req.CurConfigID = n
	}
	switch {
	case (hasFile || hasMembers) && (hasAdd || hasRemove):
		return nil, errorf("Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)")
	case hasFile && hasMembers:
		return nil, errorf("Can't use -file and -members together (conflicting non-incremental modes)")
	}
	req.JoiningServers, req.LeavingServers = strings.ToLower(add), strings.ToLower(remove)
	req.NewMembers = strings.ToLower(members)
	if hasFile {
		cfg, err := os.ReadFile(file)
		if err != nil {
			return nil, errorf("Error processing %s%s", file, javaIOMessage(file, err))
		}
		if req.NewMembers, err = membersOf(cfg); err != nil {
			return nil, errorf("Error processing %s%s", file, err)
		}
	}
	return req, nil
}

// javaIOMessage is the message of the IOException FileInputStream throws
// for err: "path (No such file or directory)".
func javaIOMessage(path string, err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	return path + " (" + strings.ToUpper(msg[:1]) + msg[1:] + ")"
}

// membersOf is the membership of a dynamic config file, read as Java reads
// a properties file: its server.N and version lines, as key=value lines.
// A key that is none of these, nor a hierarchical quorum's group or
// weight, is refused as QuorumPeerConfig.parseDynamicConfig refuses it.
func membersOf(cfg []byte) (string, error) {
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(cfg))
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		end := strings.IndexAny(line, "=: \t\f")
		if end < 0 {
			end = len(line)
		}
		k, v := line[:end], strings.TrimLeft(line[end:], " \t\f")
		if v != "" && (v[0] == '=' || v[0] == ':') {
			v = strings.TrimLeft(v[1:], " \t\f")
		}
		switch {
		case strings.HasPrefix(k, "group") || strings.HasPrefix(k, "weight"):
		case strings.HasPrefix(k, "server.") || k == "version":
			fmt.Fprintf(&b, "%s=%s\n", k, strings.TrimSpace(v))
		default:
			return "", fmt.Errorf("Unrecognised parameter: %s", k)
		}
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// reconfig asks the ensemble to change its membership and prints the
// configuration it committed. A standalone server (Warren, or ZooKeeper
// without reconfigEnabled) answers ReconfigDisabled.
func (s *Shell) reconfig(p *parsed) error {
	req, err := reconfigRequest(p)
	if err != nil {
		return err
	}
	return s.do("", func(ctx context.Context, c *client.Conn) error {
		var resp proto.GetDataResponse
		if _, err := c.Do(ctx, proto.OpReconfig, req, &resp); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Committed new configuration:\n%s\n", resp.Data)
		if p.has('s') {
			writeStat(s.out, resp.Stat)
		}
		return nil
	})
}
