package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
)

// The quota commands: setquota, listquota and delquota. ZooKeeper keeps a
// quota on P as two znodes, /zookeeper/quota/P/zookeeper_limits (written by
// these commands) and /zookeeper/quota/P/zookeeper_stats (kept up to date
// by the server's tree); the commands are client-side znode operations, as
// zkCli's SetQuotaCommand, ListQuotaCommand and DelQuotaCommand are, with
// their checks and messages.

const (
	quotaLimitNode = "zookeeper_limits"
	quotaStatNode  = "zookeeper_stats"
	// quotaGroupMissing is commons-cli's MissingOptionException for
	// setquota's required option group, which lists the options with
	// their descriptions.
	quotaGroupMissing = "org.apache.commons.cli.MissingOptionException: Missing required option: [-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]"
)

// quotaLimits is the quota node of path (Quotas.limitPath), quotaStats its
// stats node (Quotas.statPath).
func quotaLimits(path string) string { return tree.QuotaPath + path + "/" + quotaLimitNode }
func quotaStats(path string) string  { return tree.QuotaPath + path + "/" + quotaStatNode }

// quotaKeys are StatsTrack's keys, by the options that set them.
var quotaKeys = map[string]string{"n": "count", "b": "bytes", "N": "countHardLimit", "B": "byteHardLimit"}

// stats is StatsTrack: a quota or its usage, "key=value" pairs separated by
// ',' or ';'. A key that is not there reads as -1.
type stats map[string]int64

// parseStats reads a StatsTrack string. A pair without a number is left
// out (StatsTrack throws on it).
func parseStats(data []byte) stats {
	st := stats{}
	for _, pair := range strings.FieldsFunc(string(data), func(r rune) bool { return r == ',' || r == ';' }) {
		k, v, _ := strings.Cut(pair, "=")
		v, _, _ = strings.Cut(v, "=") // "bytes=5=": the '=' that old parsers need
		if v == "" {
			st[k] = -1
		} else if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			st[k] = n
		}
	}
	return st
}

func (st stats) get(k string) int64 {
	if v, ok := st[k]; ok {
		return v
	}
	return -1
}

// String is StatsTrack.toString: count and bytes first, then, after an '='
// that keeps 3.4's parser reading, the other keys sorted.
func (st stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "count=%d,bytes=%d", st.get("count"), st.get("bytes"))
	var rest []string
	for k := range st {
		if k != "count" && k != "bytes" {
			rest = append(rest, k)
		}
	}
	if len(rest) > 0 {
		b.WriteByte('=')
		slices.Sort(rest)
		for _, k := range rest {
			fmt.Fprintf(&b, ";%s=%d", k, st[k])
		}
	}
	return b.String()
}

// quotaOps runs the requests of a quota command. A failed request is a
// pathError, which report turns into zkCli's message for that request's
// path; a malformed path is refused before sending, as the Java client does.
type quotaOps struct {
	ctx context.Context
	c   *client.Conn
}

type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

// on runs fn for path after checking it.
func on(path string, fn func() error) error {
	if err := validatePath(path); err != nil {
		return err
	}
	if err := fn(); err != nil {
		return &pathError{path, err}
	}
	return nil
}

func (q quotaOps) exists(path string) (ok bool, err error) {
	err = on(path, func() error {
		var e error
		ok, _, e = q.c.Exists(q.ctx, path)
		return e
	})
	return ok, err
}

func (q quotaOps) getStats(path string) (st stats, err error) {
	err = on(path, func() error {
		data, _, e := q.c.Get(q.ctx, path)
		st = parseStats(data)
		return e
	})
	return st, err
}

func (q quotaOps) children(path string) (kids []string, err error) {
	err = on(path, func() error {
		var e error
		kids, e = q.c.Children(q.ctx, path)
		return e
	})
	return kids, err
}

// create makes a persistent znode open to all; one that exists is no error
// if existsOK.
func (q quotaOps) create(path string, data []byte, existsOK bool) error {
	err := on(path, func() error {
		_, e := q.c.Create(q.ctx, path, data, proto.ModePersistent, proto.OpenACLUnsafe)
		return e
	})
	if existsOK && codeOf(err) == proto.ErrNodeExists {
		return nil
	}
	return err
}

func (q quotaOps) set(path string, data []byte) error {
	return on(path, func() error { _, e := q.c.Set(q.ctx, path, data, -1); return e })
}

func (q quotaOps) delete(path string) error {
	return on(path, func() error { return q.c.Delete(q.ctx, path, -1) })
}

// quota runs fn with the connection (a failure to get one is reported on
// path); a pathError it returns is reported as
// CliWrapperException reports it, and a NoNode as noNode says, if set.
func (s *Shell) quota(path string, fn func(q quotaOps) error, noNode func() error) error {
	return s.do(path, func(ctx context.Context, c *client.Conn) error {
		err := fn(quotaOps{ctx, c})
		var pe *pathError
		switch {
		case noNode != nil && codeOf(err) == proto.ErrNoNode && errors.As(err, &pe):
			return noNode()
		case errors.As(err, &pe):
			return wrapError(pe.err, pe.path)
		}
		return err
	})
}

// quotaMissing is what listquota and delquota print when a quota node went
// missing: the command still succeeds.
func (s *Shell) quotaMissing(path string) func() error {
	return func() error {
		fmt.Fprintf(s.err, "quota for %s does not exist.\n", path)
		return nil
	}
}

func (s *Shell) setQuota(p *parsed) error {
	if p.selected == "" {
		return &cliError{msg: quotaGroupMissing}
	}
	if len(p.args) < 2 {
		return errUsage
	}
	path := p.args[1]
	if strings.HasPrefix(path, tree.QuotaPath) {
		fmt.Fprintln(s.err, "cannot set a quota under the path: "+tree.QuotaPath)
		return nil
	}
	limit, msg := quotaOption(p)
	if msg != "" {
		fmt.Fprintln(s.err, msg)
		return nil
	}
	return s.quota(path, func(q quotaOps) error { return s.createQuota(q, path, limit) }, nil)
}

// quotaOption is checkOptionValue: the quota the option asks for, or the
// message that refuses it.
func quotaOption(p *parsed) (stats, string) {
	limit := stats{"count": -1, "bytes": -1, "countHardLimit": -1, "byteHardLimit": -1}
	v := p.opts[p.selected]
	bits, least, msg := 64, int64(0), "the bytes quota must be greater than or equal to zero"
	if p.selected == "n" || p.selected == "N" { // Java ints
		bits, least, msg = 32, 1, "the num quota must be greater than zero"
	}
	n, err := strconv.ParseInt(v, 10, bits)
	switch {
	case err != nil:
		return nil, "NumberFormatException happens when parsing the option value"
	case n < least:
		return nil, msg
	}
	limit[quotaKeys[p.selected]] = n
	return limit, ""
}

// createQuota is SetQuotaCommand.createQuota: path must exist, and neither
// an ancestor nor a descendant of it may have a quota; the quota nodes are
// then created, or the quota node updated, and a quota below the current
// usage draws a warning on stdout.
func (s *Shell) createQuota(q quotaOps, path string, limit stats) error {
	ok, err := q.exists(path)
	if err != nil {
		return err
	}
	if !ok {
		return errorf("%s does not exist.", path)
	}
	if err := s.checkChildQuota(q, path); err != nil {
		return err
	}
	if err := checkParentQuota(q, path); err != nil {
		return err
	}
	if ok, err := q.exists(tree.QuotaPath); err != nil {
		return err
	} else if !ok {
		// As in Java: /zookeeper always exists, so /zookeeper/quota is
		// not made either (ZooKeeper and Warren make both at start).
		if err := q.create("/zookeeper", nil, false); codeOf(err) != proto.ErrNodeExists {
			if err == nil {
				err = q.create(tree.QuotaPath, nil, true)
			}
			if err != nil {
				return err
			}
		}
	}
	dir := tree.QuotaPath
	for _, name := range strings.Split(path, "/")[1:] {
		dir += "/" + name
		if ok, err := q.exists(dir); err != nil {
			return err
		} else if !ok {
			if err := q.create(dir, nil, true); err != nil {
				return err
			}
		}
	}
	limitPath, statPath := dir+"/"+quotaLimitNode, dir+"/"+quotaStatNode
	ok, err = q.exists(limitPath)
	if err != nil {
		return err
	}
	if !ok {
		if err := q.create(limitPath, []byte(limit.String()), false); err != nil {
			return err
		}
		if err := q.create(statPath, []byte(stats{"count": 0, "bytes": 0}.String()), false); err != nil {
			return err
		}
		if limit, err = q.getStats(limitPath); err != nil {
			return err
		}
		return s.warnQuota(q, statPath, limit)
	}
	cur, err := q.getStats(limitPath)
	if err != nil {
		return err
	}
	for k, v := range limit {
		if v > -1 {
			cur[k] = v
		}
	}
	if err := s.warnQuota(q, statPath, cur); err != nil {
		return err
	}
	return q.set(limitPath, []byte(cur.String()))
}

// warnQuota is checkQuota: a warning for each limit below the usage.
func (s *Shell) warnQuota(q quotaOps, statPath string, limit stats) error {
	usage, err := q.getStats(statPath)
	if err != nil {
		return err
	}
	below := func(soft, hard, used int64) bool { return soft > -1 && soft < used || hard > -1 && hard < used }
	if n := usage.get("count"); below(limit.get("count"), limit.get("countHardLimit"), n) {
		fmt.Fprintf(s.out, "[Warning]: the count quota you create is less than the existing count:%d\n", n)
	}
	if n := usage.get("bytes"); below(limit.get("bytes"), limit.get("byteHardLimit"), n) {
		fmt.Fprintf(s.out, "[Warning]: the bytes quota you create is less than the existing bytes:%d\n", n)
	}
	return nil
}

// checkChildQuota refuses path if a znode below it has a quota: the quota
// tree under /zookeeper/quota/path is walked as ZKUtil.visitSubTreeDFS
// walks it, looking for a limit node other than path's own.
func (s *Shell) checkChildQuota(q quotaOps, path string) error {
	own := tree.QuotaPath + path
	if err := validatePath(own); err != nil {
		return err
	}
	check := func(dir string) error {
		kids, err := q.children(dir)
		if codeOf(err) == proto.ErrNoNode { // removed meanwhile
			return nil
		}
		if err != nil {
			return err
		}
		if dir != own && slices.Contains(kids, quotaLimitNode) {
			return errorf("%s has a child %s which has a quota", path, strings.TrimPrefix(dir, tree.QuotaPath))
		}
		return nil
	}
	if err := check(own); err != nil {
		return err
	}
	return s.visit(q.ctx, q.c, own, false, check)
}

// checkParentQuota refuses path if one of its ancestors has a quota.
func checkParentQuota(q quotaOps, path string) error {
	names := strings.Split(path, "/")
	dir := tree.QuotaPath
	for _, name := range names[1 : len(names)-1] {
		dir += "/" + name
		kids, err := q.children(dir)
		if codeOf(err) == proto.ErrNoNode || err == nil && len(kids) == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		if slices.Contains(kids, quotaLimitNode) {
			return errorf("%s has a parent %s which has a quota", path, strings.TrimPrefix(dir, tree.QuotaPath))
		}
	}
	return nil
}

func (s *Shell) listQuota(p *parsed) error {
	path := p.args[1]
	fmt.Fprintln(s.err, "absolute path is "+quotaLimits(path))
	return s.quota(path, func(q quotaOps) error {
		limit, err := q.getStats(quotaLimits(path))
		if err != nil {
			return err
		}
		usage, err := q.getStats(quotaStats(path))
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Output quota for %s %s\nOutput stat for %s %s\n", path, limit, path, usage)
		return nil
	}, s.quotaMissing(path))
}

// delQuota is DelQuotaCommand: with an option, that limit is cleared (-1);
// without, the quota's nodes go, and the quota tree is trimmed of the
// directories left empty.
func (s *Shell) delQuota(p *parsed) error {
	path := p.args[1]
	dir, limitPath := tree.QuotaPath+path, quotaLimits(path)
	return s.quota(path, func(q quotaOps) error {
		ok, err := q.exists(limitPath)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(s.out, "Quota does not exist for "+path)
			return nil
		}
		limit, err := q.getStats(limitPath)
		if err != nil {
			return err
		}
		if p.selected != "" {
			limit[quotaKeys[p.selected]] = -1
			return q.set(limitPath, []byte(limit.String()))
		}
		kids, err := q.children(dir)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := q.delete(dir + "/" + k); err != nil {
				return err
			}
		}
		for ; dir != tree.QuotaPath; dir = dir[:strings.LastIndexByte(dir, '/')] {
			kids, err := q.children(dir)
			if err != nil || len(kids) > 0 {
				return err
			}
			if err := q.delete(dir); err != nil {
				return err
			}
		}
		return nil
	}, s.quotaMissing(path))
}
