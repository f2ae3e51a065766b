package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/warrenzk/warren/core/client"
	"github.com/warrenzk/warren/core/proto"
)

// The ACL and identity commands: getAcl, setAcl, addauth, whoami.

// parseACL is zkCli's AclParser: comma-separated scheme:id:perms, where the
// id runs to the last colon. A malformed entry or letter is reported and
// skipped, so the list may come out empty.
func (s *Shell) parseACL(text string) []proto.ACL {
	acl := []proto.ACL{}
	for _, a := range strings.Split(text, ",") {
		first, last := strings.IndexByte(a, ':'), strings.LastIndexByte(a, ':')
		if first < 0 || first == last {
			fmt.Fprintln(s.err, a+" does not have the form scheme:id:perm")
			continue
		}
		var perms int32
		for _, c := range a[last+1:] {
			switch c {
			case 'r':
				perms |= proto.PermRead
			case 'w':
				perms |= proto.PermWrite
			case 'c':
				perms |= proto.PermCreate
			case 'd':
				perms |= proto.PermDelete
			case 'a':
				perms |= proto.PermAdmin
			default:
				fmt.Fprintf(s.err, "Unknown perm type: %c\n", c)
			}
		}
		acl = append(acl, proto.ACL{Perms: perms, ID: proto.Id{Scheme: a[:first], ID: a[first+1 : last]}})
	}
	return acl
}

func (s *Shell) getACL(p *parsed) error {
	path := p.args[1]
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		acl, st, err := c.GetACL(ctx, path)
		if err != nil {
			return err
		}
		for _, a := range acl {
			fmt.Fprintln(s.out, aclLine(a))
		}
		if p.has('s') {
			writeStat(s.out, st)
		}
		return nil
	})
}

func (s *Shell) setACL(p *parsed) error {
	path := p.args[1]
	acl := s.parseACL(p.args[2])
	version, err := intOption(p, 'v', -1)
	if err != nil {
		return err
	}
	return s.call(path, func(ctx context.Context, c *client.Conn) error {
		if !p.has('R') {
			if len(acl) == 0 { // the Java client's own check
				return wrapError(proto.ErrInvalidACL, "null")
			}
			st, err := c.SetACL(ctx, path, acl, int32(version))
			if err == nil && p.has('s') {
				writeStat(s.out, st)
			}
			return err
		}
		// Recursively, each failure is printed (without a newline, as
		// zkCli does) and the walk goes on.
		set := func(path string) error {
			if len(acl) == 0 {
				fmt.Fprint(s.out, keeperMessage(proto.ErrInvalidACL, ""))
			} else if _, err := c.SetACL(ctx, path, acl, int32(version)); err != nil {
				fmt.Fprint(s.out, keeperMessage(codeOf(err), path))
			}
			return nil
		}
		if _, _, err := c.GetData(ctx, path, false); err != nil {
			return err
		}
		set(path)
		return s.visit(ctx, c, path, false, set)
	})
}

func (s *Shell) addAuth(p *parsed) error {
	var auth []byte
	if len(p.args) > 2 {
		auth = []byte(p.args[2])
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.sess.timeout)
	defer cancel()
	// The Java client sends credentials without waiting for the answer: a
	// failure shows only as an AuthFailed event, never as the command's.
	_ = s.sess.addAuth(ctx, p.args[1], auth)
	return nil
}

// whoAmI lists the session's identities. As with ZooKeeper 3.8's client, a
// failed request lists none and is not an error.
func (s *Shell) whoAmI(*parsed) error {
	var who []proto.ClientInfo
	_ = s.do("", func(ctx context.Context, c *client.Conn) error {
		var err error
		who, err = c.WhoAmI(ctx)
		return err
	})
	var b strings.Builder
	b.WriteString("Auth scheme: User\n")
	for _, ci := range who {
		fmt.Fprintf(&b, "%s: %s\n", ci.AuthScheme, ci.User)
	}
	io.WriteString(s.out, b.String())
	return nil
}
