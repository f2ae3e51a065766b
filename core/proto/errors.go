package proto

import (
	"errors"
	"fmt"
)

// Err is a ZooKeeper error code (KeeperException.Code). Err values are Go
// errors, so errors.Is(err, proto.ErrNoNode) works through wrapping; the code
// a client sees is the one ZooKeeper would send.
type Err int32

// ZooKeeper's error codes, with their numeric values on the wire.
const (
	ErrOK                       Err = 0
	ErrSystemError              Err = -1
	ErrRuntimeInconsistency     Err = -2
	ErrDataInconsistency        Err = -3
	ErrConnectionLoss           Err = -4
	ErrMarshallingError         Err = -5
	ErrUnimplemented            Err = -6
	ErrOperationTimeout         Err = -7
	ErrBadArguments             Err = -8
	ErrUnknownSession           Err = -12
	ErrNewConfigNoQuorum        Err = -13
	ErrReconfigInProgress       Err = -14
	ErrAPIError                 Err = -100
	ErrNoNode                   Err = -101
	ErrNoAuth                   Err = -102
	ErrBadVersion               Err = -103
	ErrNoChildrenForEphemerals  Err = -108
	ErrNodeExists               Err = -110
	ErrNotEmpty                 Err = -111
	ErrSessionExpired           Err = -112
	ErrInvalidCallback          Err = -113
	ErrInvalidACL               Err = -114
	ErrAuthFailed               Err = -115
	ErrSessionMoved             Err = -118
	ErrNotReadOnly              Err = -119
	ErrEphemeralOnLocalSession  Err = -120
	ErrNoWatcher                Err = -121
	ErrRequestTimeout           Err = -122
	ErrReconfigDisabled         Err = -123
	ErrSessionClosedRequireSASL Err = -124
	ErrQuotaExceeded            Err = -125
	ErrThrottled                Err = -127
)

var errNames = map[Err]string{
	ErrOK:                       "ok",
	ErrSystemError:              "system error",
	ErrRuntimeInconsistency:     "runtime inconsistency",
	ErrDataInconsistency:        "data inconsistency",
	ErrConnectionLoss:           "connection loss",
	ErrMarshallingError:         "marshalling error",
	ErrUnimplemented:            "unimplemented",
	ErrOperationTimeout:         "operation timeout",
	ErrBadArguments:             "bad arguments",
	ErrUnknownSession:           "unknown session",
	ErrNewConfigNoQuorum:        "new config has no quorum",
	ErrReconfigInProgress:       "reconfig in progress",
	ErrAPIError:                 "api error",
	ErrNoNode:                   "node does not exist",
	ErrNoAuth:                   "not authenticated",
	ErrBadVersion:               "bad version",
	ErrNoChildrenForEphemerals:  "ephemeral nodes may not have children",
	ErrNodeExists:               "node already exists",
	ErrNotEmpty:                 "node has children",
	ErrSessionExpired:           "session expired",
	ErrInvalidCallback:          "invalid callback",
	ErrInvalidACL:               "invalid ACL",
	ErrAuthFailed:               "authentication failed",
	ErrSessionMoved:             "session moved",
	ErrNotReadOnly:              "not a read-only call",
	ErrEphemeralOnLocalSession:  "ephemeral on local session",
	ErrNoWatcher:                "no such watcher",
	ErrRequestTimeout:           "request timeout",
	ErrReconfigDisabled:         "reconfig disabled",
	ErrSessionClosedRequireSASL: "session closed: SASL auth required",
	ErrQuotaExceeded:            "quota exceeded",
	ErrThrottled:                "operation throttled",
}

// Error returns the code's name, as "zk: node does not exist".
func (e Err) Error() string {
	if s, ok := errNames[e]; ok {
		return "zk: " + s
	}
	return fmt.Sprintf("zk: error %d", int32(e))
}

// Code extracts the ZooKeeper error code from err: nil is ErrOK, an Err (even
// wrapped) is itself, anything else is ErrSystemError.
func Code(err error) Err {
	if err == nil {
		return ErrOK
	}
	var e Err
	if errors.As(err, &e) {
		return e
	}
	return ErrSystemError
}
