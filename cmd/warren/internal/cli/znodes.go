package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// The znode commands: ls, get, set, create, delete, deleteall, stat, sync,
// getEphemerals, getAllChildrenNumber and config. Each checks its path as
// the Java client does before sending anything, and reports a failure as
// zkCli does (wrapError).

// call checks path, then runs fn on the connection with a context bounded
// by the session timeout, and reports a failure on path as zkCli does. An
// error fn made itself (a cliError) is returned as it is.
func (s *Shell) call(path string, fn func(ctx context.Context, c *client.Conn) error) error {
	if err := validatePath(path); err != nil {
		return err
	}
	return s.do(path, fn)
}

// do is call without the path check.
func (s *Shell) do(path string, fn func(ctx context.Context, c *client.Conn) error) error {
	c, err := s.sess.Conn()
	if err != nil {
		return wrapError(err, path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.sess.timeout)
	defer cancel()
	if err := fn(ctx, c); err != nil {
		if _, ok := err.(*cliError); ok {
			return err
		}
		return wrapError(err, path)
	}
	return nil
}

// deprecatedWatch handles the 3.4-era form "ls path watch" (also get and
// stat) as zkCli does: a warning, then the third word read as -w.
func (s *Shell) deprecatedWatch(p *parsed, form string) (*parsed, error) {
	if len(p.args) <= 2 {
		return p, nil
	}
	fmt.Fprintf(s.err, "'%s path [watch]' has been deprecated. Please use '%s' instead.\n", p.args[0], form)
	words := slices.Clone(p.words)
	words[2] = "-w"
	np, err := parseArgs(words, lookup(p.args[0]).flags)
	if err != nil {
		return nil, err
	}
	np.words = words
	return np, nil
}

func (s *Shell) ls(p *parsed) error {
	p, err := s.deprecatedWatch(p, "ls [-w] path")
	if err != nil {
		return err
	}
	if len(p.args) < 2 {
		return errUsage
	}
	path, watch := p.args[1], p.has('w')
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		if p.has('R') {
			return s.lsRecursive(ctx, c, path, watch)
		}
		kids, st, err := c.Children2(ctx, path, watch)
		if err != nil {
			return err
		}
		if watch {
			s.sess.watches.add(path, watchChild)
		}
		slices.Sort(kids)
		fmt.Fprintln(s.out, javaList(kids))
		if p.has('s') {
			writeStat(s.out, st)
		}
		return nil
	})
}

// lsRecursive is ZKUtil.visitSubTreeDFS printing each path: the root,
// then each node's children, sorted, before their own subtrees. A node
// deleted meanwhile is skipped.
func (s *Shell) lsRecursive(ctx context.Context, c *client.Conn, root string, watch bool) error {
	if _, _, err := c.GetData(ctx, root, watch); err != nil {
		return err
	}
	if watch {
		s.sess.watches.add(root, watchData)
	}
	fmt.Fprintln(s.out, root)
	return s.visit(ctx, c, root, watch, func(path string) error {
		fmt.Fprintln(s.out, path)
		return nil
	})
}

// visit calls fn for each descendant of path, in visitSubTreeDFS's order.
func (s *Shell) visit(ctx context.Context, c *client.Conn, path string, watch bool, fn func(string) error) error {
	kids, _, err := c.Children2(ctx, path, watch)
	if codeOf(err) == proto.ErrNoNode {
		return nil
	}
	if err != nil {
		return wrapError(err, path)
	}
	if watch {
		s.sess.watches.add(path, watchChild)
	}
	slices.Sort(kids)
	for i, k := range kids {
		kids[i] = childPath(path, k)
		if err := fn(kids[i]); err != nil {
			return err
		}
	}
	for _, k := range kids {
		if err := s.visit(ctx, c, k, watch, fn); err != nil {
			return err
		}
	}
	return nil
}

func childPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

func (s *Shell) get(p *parsed) error {
	p, err := s.deprecatedWatch(p, "get [-s] [-w] path")
	if err != nil {
		return err
	}
	return s.getData(p.args[1], p.has('w'), p.has('s'), func(data []byte) string { return dataString(data) })
}

// getData prints a znode's data (as show formats it) and its stat if
// withStat: get and config.
func (s *Shell) getData(path string, watch, withStat bool, show func([]byte) string) error {
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		data, st, err := c.GetData(ctx, path, watch)
		if err != nil {
			return err
		}
		if watch {
			s.sess.watches.add(path, watchData)
		}
		fmt.Fprintln(s.out, show(data))
		if withStat {
			writeStat(s.out, st)
		}
		return nil
	})
}

// config prints the ensemble's configuration znode.
func (s *Shell) config(p *parsed) error {
	show := dataString
	if p.has('c') {
		show = func(data []byte) string { return clientConfig(string(data)) }
	}
	return s.getData("/zookeeper/config", p.has('w'), p.has('s'), show)
}

// clientConfig is ConfigUtils.getClientConfigStr: the config's version and
// the client addresses of its servers ("version host:port,...").
func clientConfig(cfg string) string {
	var version string
	var addrs []string
	for _, line := range strings.Split(cfg, "\n") {
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok:
		case k == "version":
			version = v
		case strings.HasPrefix(k, "server."):
			if _, client, ok := strings.Cut(v, ";"); ok {
				if !strings.Contains(client, ":") {
					client = "0.0.0.0:" + client
				}
				addrs = append(addrs, client)
			}
		}
	}
	return version + " " + strings.Join(addrs, ",")
}

// intOption parses the value of an int flag (-v, -b).
func intOption(p *parsed, flag byte, def int) (int, error) {
	v, ok := p.value(string(flag))
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, errorf("-%c argument must be an int value", flag)
	}
	return int(n), nil
}

func (s *Shell) set(p *parsed) error {
	path := p.args[1]
	version, err := intOption(p, 'v', -1)
	if err != nil {
		return err
	}
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		st, err := c.Set(ctx, path, []byte(p.args[2]), int32(version))
		if err == nil && p.has('s') {
			writeStat(s.out, st)
		}
		return err
	})
}

// maxTTL is EphemeralType.TTL's largest time to live (40 bits of ms).
const maxTTL = 1<<40 - 1

func (s *Shell) create(p *parsed) error {
	e, seq, container, hasTTL := p.has('e'), p.has('s'), p.has('c'), p.has('t')
	if container && (e || seq) {
		return errorf("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.")
	}
	var ttl int64
	if hasTTL {
		var err error
		if ttl, err = strconv.ParseInt(p.opts["t"], 10, 64); err != nil {
			return errorf("-t argument must be a long value")
		}
		switch {
		case e:
			return errorf("TTLs cannot be used with Ephemeral znodes")
		case container:
			return errorf("TTLs cannot be used with Container znodes")
		case ttl <= 0 || ttl > maxTTL:
			return errorf("ttl must be positive and cannot be larger than: %d", int64(maxTTL))
		}
	}
	mode := proto.ModePersistent
	switch {
	case e && seq:
		mode = proto.ModeEphemeralSequential
	case e:
		mode = proto.ModeEphemeral
	case seq && hasTTL:
		mode = proto.ModePersistentSequentialWithTTL
	case seq:
		mode = proto.ModePersistentSequential
	case container:
		mode = proto.ModeContainer
	case hasTTL:
		mode = proto.ModePersistentWithTTL
	}
	path := p.args[1]
	var data []byte
	if len(p.args) > 2 {
		data = []byte(p.args[2])
	}
	acl := proto.OpenACLUnsafe
	if len(p.args) > 3 {
		acl = s.parseACL(p.args[3])
	}
	check := path
	if mode.Sequential() {
		check += "1" // a sequential path may end in '/'
	}
	if err := validatePath(check); err != nil {
		return err
	}
	if len(acl) == 0 { // the Java client's own check
		fmt.Fprintln(s.err, keeperMessage(proto.ErrInvalidACL, ""))
		return wrapError(proto.ErrInvalidACL, "null")
	}
	return s.do(path, func(ctx context.Context, c *client.Conn) error {
		created, err := c.CreateMode(ctx, path, data, mode, acl, ttl)
		switch codeOf(err) {
		case proto.ErrOK:
			fmt.Fprintln(s.err, "Created "+created)
			return nil
		case proto.ErrEphemeralOnLocalSession:
			fmt.Fprintln(s.err, "Unable to create ephemeral node on a local session")
		case proto.ErrInvalidACL:
			fmt.Fprintln(s.err, keeperMessage(proto.ErrInvalidACL, path))
		}
		return wrapError(err, path)
	})
}

func (s *Shell) delete(p *parsed) error {
	if len(p.args) > 2 {
		fmt.Fprintln(s.err, "'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.")
	}
	path := p.args[1]
	version, err := intOption(p, 'v', -1)
	if err != nil {
		return err
	}
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		return c.Delete(ctx, path, int32(version))
	})
}

// deleteAll is ZKUtil.deleteRecursive: the subtree listed breadth first,
// then deleted deepest first in multis of up to -b deletes (one by one if
// -b is 0 or less). A multi that fails stops the rest, and is reported
// without failing the command, as zkCli does.
func (s *Shell) deleteAll(p *parsed) error {
	batch, err := intOption(p, 'b', 1000)
	if err != nil {
		return err
	}
	root := p.args[1]
	return s.call(root, func(ctx context.Context, c *client.Conn) error {
		return s.deleteTree(ctx, c, root, batch)
	})
}

func (s *Shell) deleteTree(ctx context.Context, c *client.Conn, root string, batch int) error {
	tree := []string{root}
	for i := 0; i < len(tree); i++ {
		kids, err := c.Children(ctx, tree[i])
		if err != nil {
			return wrapError(err, tree[i])
		}
		for _, k := range kids {
			tree = append(tree, childPath(tree[i], k))
		}
	}
	slices.Reverse(tree)
	if batch <= 0 {
		for _, path := range tree {
			if err := c.Delete(ctx, path, -1); err != nil {
				return wrapError(err, path)
			}
		}
		return nil
	}
	for chunk := range slices.Chunk(tree, batch) {
		ops := make([]proto.MultiOp, len(chunk))
		for i, path := range chunk {
			ops[i] = proto.MultiOp{Type: proto.OpDelete, Record: &proto.DeleteRequest{Path: path, Version: -1}}
		}
		res, err := c.Multi(ctx, ops...)
		if err == nil {
			err = client.FirstError(res)
		}
		if err != nil {
			fmt.Fprintln(s.err, "Failed to delete some node(s) in the subtree!")
			return nil
		}
	}
	return nil
}

func (s *Shell) stat(p *parsed) error {
	p, err := s.deprecatedWatch(p, "stat [-w] path")
	if err != nil {
		return err
	}
	path, watch := p.args[1], p.has('w')
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		st, err := c.Stat(ctx, path, watch)
		switch {
		case !watch:
		case err == nil:
			s.sess.watches.add(path, watchData)
		case codeOf(err) == proto.ErrNoNode:
			s.sess.watches.add(path, watchExist) // exists watches a missing node too
		}
		if err == nil {
			writeStat(s.out, st)
		}
		return err
	})
}

func (s *Shell) sync(p *parsed) error {
	path := p.args[1]
	if err := validatePath(path); err != nil {
		return err
	}
	c, err := s.sess.Conn()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.sess.timeout)
		err = c.Sync(ctx, path)
		cancel()
	}
	if err != nil {
		fmt.Fprintf(s.out, "Sync has failed. rc=%d\n", codeOf(err))
		return nil
	}
	fmt.Fprintln(s.out, "Sync is OK")
	return nil
}

func (s *Shell) ephemerals(p *parsed) error {
	path := "/"
	if len(p.args) > 1 {
		path = p.args[1]
	}
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		eph, err := c.Ephemerals(ctx, path)
		if err == nil {
			fmt.Fprintln(s.out, javaList(eph))
		}
		return err
	})
}

func (s *Shell) allChildrenNumber(p *parsed) error {
	if len(p.args) < 2 {
		return errUsage
	}
	path := p.args[1]
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		n, err := c.AllChildrenNumber(ctx, path)
		if err == nil {
			fmt.Fprintln(s.out, n)
		}
		return err
	})
}
