package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/warrenzk/warren/core/proto"
	"github.com/warrenzk/warren/core/tree"
)

// Exit codes, as ZooKeeperMain sets them: 0 when the command ran (even if
// it printed "Not connected"), 1 for any error it reports, 127 for a
// command it does not know.
const (
	exitOK       = 0
	exitError    = 1
	exitNotFound = 127
)

// cliError is a failed command: the line zkCli prints on stderr and the
// exit code it sets (CliException and its subclasses).
type cliError struct {
	msg  string
	code int // 0 means exitError
}

func (e *cliError) Error() string { return e.msg }

func (e *cliError) exitCode() int {
	if e.code == 0 {
		return exitError
	}
	return e.code
}

// errorf is a cliError with a formatted message.
func errorf(format string, args ...any) error {
	return &cliError{msg: fmt.Sprintf(format, args...)}
}

// keeperNames are KeeperException.getCodeMessage's names of the codes.
var keeperNames = map[proto.Err]string{
	proto.ErrOK: "ok", proto.ErrSystemError: "SystemError",
	proto.ErrRuntimeInconsistency: "RuntimeInconsistency", proto.ErrDataInconsistency: "DataInconsistency",
	proto.ErrConnectionLoss: "ConnectionLoss", proto.ErrMarshallingError: "MarshallingError",
	proto.ErrNewConfigNoQuorum: "NewConfigNoQuorum", proto.ErrReconfigInProgress: "ReconfigInProgress",
	proto.ErrUnimplemented: "Unimplemented", proto.ErrOperationTimeout: "OperationTimeout",
	proto.ErrBadArguments: "BadArguments", proto.ErrAPIError: "APIError", proto.ErrNoNode: "NoNode",
	proto.ErrNoAuth: "NoAuth", proto.ErrBadVersion: "BadVersion",
	proto.ErrNoChildrenForEphemerals: "NoChildrenForEphemerals", proto.ErrNodeExists: "NodeExists",
	proto.ErrInvalidACL: "InvalidACL", proto.ErrAuthFailed: "AuthFailed",
	proto.ErrNotEmpty: "Directory not empty", proto.ErrSessionExpired: "Session expired",
	proto.ErrInvalidCallback: "Invalid callback", proto.ErrSessionMoved: "Session moved",
	proto.ErrNotReadOnly: "Not a read-only call", proto.ErrEphemeralOnLocalSession: "Ephemeral node on local session",
	proto.ErrNoWatcher: "No such watcher", proto.ErrReconfigDisabled: "Reconfig is disabled",
	proto.ErrSessionClosedRequireSASL: "Session closed because client failed to authenticate",
	proto.ErrQuotaExceeded:            "Quota has exceeded", proto.ErrThrottled: "Op throttled due to high load",
}

// codeOf is the ZooKeeper code of a client error; anything that is not a
// server's answer (the connection failed or closed, the wait timed out) is
// a connection loss to the Java client too.
func codeOf(err error) proto.Err {
	if err == nil {
		return proto.ErrOK
	}
	var code proto.Err
	if errors.As(err, &code) {
		return code
	}
	return proto.ErrConnectionLoss
}

// keeperMessage is KeeperException.getMessage: "KeeperErrorCode = NoNode
// for /a", without " for ..." when path is "".
func keeperMessage(code proto.Err, path string) string {
	name, ok := keeperNames[code]
	if !ok {
		name = "Unknown error " + strconv.Itoa(int(code))
	}
	if path == "" {
		return "KeeperErrorCode = " + name
	}
	return "KeeperErrorCode = " + name + " for " + path
}

// wrapperTexts are CliWrapperException's sentences for the common codes,
// each followed by the path.
var wrapperTexts = map[proto.Err]string{
	proto.ErrNoNode:                  "Node does not exist: ",
	proto.ErrNoChildrenForEphemerals: "Ephemerals cannot have children: ",
	proto.ErrNodeExists:              "Node already exists: ",
	proto.ErrNotEmpty:                "Node not empty: ",
	proto.ErrNotReadOnly:             "Not a read-only call: ",
	proto.ErrInvalidACL:              "Acl is not valid : ",
	proto.ErrNoAuth:                  "Insufficient permission : ",
	proto.ErrBadArguments:            "Arguments are not valid : ",
	proto.ErrBadVersion:              "version No is not valid : ",
	proto.ErrQuotaExceeded:           "Quota has exceeded : ",
}

// wrapError turns a failed request on path into what zkCli prints for it
// (CliWrapperException): its own sentence for the common codes, the
// KeeperException message for the rest. Path "null" stands for a check the
// Java client makes before sending anything.
func wrapError(err error, path string) error {
	code := codeOf(err)
	if text, ok := wrapperTexts[code]; ok {
		return &cliError{msg: text + path}
	}
	switch code {
	case proto.ErrReconfigInProgress:
		return errorf("Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)")
	case proto.ErrNewConfigNoQuorum:
		return errorf("No quorum of new config is connected and up-to-date with the leader of last committed config - try invoking reconfiguration after new servers are connected and synced")
	}
	if path == "null" {
		path = ""
	}
	return &cliError{msg: keeperMessage(code, path)}
}

// validatePath is PathUtils.validatePath: the client refuses a malformed
// path before sending it, with Java's message (MalformedPathException).
func validatePath(path string) error {
	err := tree.ValidatePath(path)
	if err == nil {
		return nil
	}
	msg := err.Error()                                      // Java's text, lower-cased as Go errors are
	if i := strings.LastIndex(msg, " caused by "); i >= 0 { // and the path as it is, not Go-quoted
		msg = `invalid path string "` + path + `"` + msg[i:]
	}
	return &cliError{msg: strings.ToUpper(msg[:1]) + msg[1:]}
}
