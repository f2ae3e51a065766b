// Package wire is the protocol between Warren and an auth plugin process:
// the go-plugin handshake, the gRPC service that carries a scheme's calls,
// and the JSON codec its messages travel in. The host (package plugins) and
// the SDK (package plugins/sdk) both build on it, so the two ends cannot
// drift apart.
//
// The messages are plain Go structs encoded as JSON under the gRPC content
// subtype CodecName, and the service description is written by hand: the
// protocol has five small unary calls, so generated protobuf code would add
// a build step (protoc) without making anything safer. go-plugin's own
// services (health, broker, controller, stdio) keep the default protobuf
// codec; ours is chosen per call, never globally.
package wire

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

// ProtocolVersion is the version of this protocol. A change that an older
// host or plugin could misread raises it; go-plugin's handshake then refuses
// to pair a host and a plugin that share no version, with an error naming
// both.
const ProtocolVersion = 1

// Handshake is the go-plugin handshake of Warren auth plugins. The magic
// cookie only tells a plugin binary that it was started by Warren (run by
// hand, it says so and exits); it is not a secret.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "WARREN_AUTH_PLUGIN",
	MagicCookieValue: "4c1d6b8e-warren-acl-scheme",
}

// PluginName is the name of the one plugin every Warren auth plugin binary
// serves, in go-plugin's plugin set.
const PluginName = "scheme"

// ServiceName is the gRPC service of a scheme.
const ServiceName = "warren.auth.v1.Scheme"

// CodecName is the gRPC content subtype of the service's messages.
const CodecName = "warren-json"

func init() { encoding.RegisterCodec(jsonCodec{}) }

// jsonCodec encodes messages as JSON.
type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
func (jsonCodec) Name() string                       { return CodecName }

// InfoRequest asks a plugin to describe its scheme.
type InfoRequest struct{}

// InfoResponse describes the scheme a plugin serves.
type InfoResponse struct {
	// Scheme is the scheme's name, as in an ACL id and in addauth.
	Scheme string `json:"scheme"`
	// Authenticated tells whether the scheme's ids name a principal, so that
	// an "auth" ACL entry expands to them (ZooKeeper's isAuthenticated).
	Authenticated bool `json:"authenticated"`
	// CustomMatch tells whether the host must ask the plugin to match an id
	// against an ACL entry; otherwise they match when equal.
	CustomMatch bool `json:"custom_match"`
	// Version is the plugin's own version, for the host's log.
	Version string `json:"version,omitempty"`
}

// AuthenticateRequest carries the bytes of an addauth.
type AuthenticateRequest struct {
	Auth       []byte `json:"auth"`
	RemoteAddr string `json:"remote_addr,omitempty"` // the client's host:port, "" if none
}

// AuthenticateResponse lists the ids (of the plugin's scheme) the session gains.
type AuthenticateResponse struct {
	IDs []string `json:"ids"`
}

// ValidIDRequest asks whether an ACL entry's id is well formed.
type ValidIDRequest struct {
	ID string `json:"id"`
}

// ValidIDResponse answers ValidIDRequest.
type ValidIDResponse struct {
	Valid bool `json:"valid"`
}

// MatchRequest asks whether a session's id matches an ACL entry's id.
type MatchRequest struct {
	ID    string `json:"id"`
	ACLID string `json:"acl_id"`
}

// MatchResponse answers MatchRequest.
type MatchResponse struct {
	Match bool `json:"match"`
}

// PingRequest is the host's health check.
type PingRequest struct{}

// PingResponse answers PingRequest.
type PingResponse struct{}

// Scheme is the service a plugin serves; an error from Authenticate is
// returned to the host as a gRPC status whose message the host logs.
type Scheme interface {
	Info(context.Context, *InfoRequest) (*InfoResponse, error)
	Authenticate(context.Context, *AuthenticateRequest) (*AuthenticateResponse, error)
	ValidID(context.Context, *ValidIDRequest) (*ValidIDResponse, error)
	Match(context.Context, *MatchRequest) (*MatchResponse, error)
	Ping(context.Context, *PingRequest) (*PingResponse, error)
}

// handler adapts one method of Scheme to grpc.MethodDesc's handler.
func handler[Req, Resp any](call func(Scheme, context.Context, *Req) (*Resp, error), method string) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: method,
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			req := new(Req)
			if err := dec(req); err != nil {
				return nil, err
			}
			s := srv.(Scheme)
			if icpt == nil {
				return call(s, ctx, req)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + ServiceName + "/" + method}
			return icpt(ctx, req, info, func(ctx context.Context, req any) (any, error) {
				return call(s, ctx, req.(*Req))
			})
		},
	}
}

// ServiceDesc describes the Scheme service to grpc.Server.RegisterService.
var ServiceDesc = grpc.ServiceDesc{
	ServiceName: ServiceName,
	HandlerType: (*Scheme)(nil),
	Methods: []grpc.MethodDesc{
		handler(Scheme.Info, "Info"),
		handler(Scheme.Authenticate, "Authenticate"),
		handler(Scheme.ValidID, "ValidID"),
		handler(Scheme.Match, "Match"),
		handler(Scheme.Ping, "Ping"),
	},
	Metadata: "warren/plugins/internal/wire",
}

// Client calls a plugin's Scheme service over conn.
type Client struct {
	conn *grpc.ClientConn
}

// NewClient returns a Client over conn.
func NewClient(conn *grpc.ClientConn) *Client { return &Client{conn: conn} }

func invoke[Resp any](ctx context.Context, c *Client, method string, req any) (*Resp, error) {
	resp := new(Resp)
	err := c.conn.Invoke(ctx, "/"+ServiceName+"/"+method, req, resp, grpc.CallContentSubtype(CodecName))
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// Info calls Info.
func (c *Client) Info(ctx context.Context) (*InfoResponse, error) {
	return invoke[InfoResponse](ctx, c, "Info", &InfoRequest{})
}

// Authenticate calls Authenticate.
func (c *Client) Authenticate(ctx context.Context, req *AuthenticateRequest) (*AuthenticateResponse, error) {
	return invoke[AuthenticateResponse](ctx, c, "Authenticate", req)
}

// ValidID calls ValidID.
func (c *Client) ValidID(ctx context.Context, id string) (bool, error) {
	resp, err := invoke[ValidIDResponse](ctx, c, "ValidID", &ValidIDRequest{ID: id})
	if err != nil {
		return false, err
	}
	return resp.Valid, nil
}

// Match calls Match.
func (c *Client) Match(ctx context.Context, id, aclID string) (bool, error) {
	resp, err := invoke[MatchResponse](ctx, c, "Match", &MatchRequest{ID: id, ACLID: aclID})
	if err != nil {
		return false, err
	}
	return resp.Match, nil
}

// Ping calls Ping.
func (c *Client) Ping(ctx context.Context) error {
	_, err := invoke[PingResponse](ctx, c, "Ping", &PingRequest{})
	return err
}

// Plugin is the go-plugin plugin of a Warren auth scheme: on the plugin's
// side Impl serves the calls, on the host's side it hands out a *Client.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl serves the calls; nil on the host's side.
	Impl Scheme
}

// GRPCServer registers Impl on s.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return fmt.Errorf("wire: plugin served without an implementation")
	}
	s.RegisterService(&ServiceDesc, p.Impl)
	return nil
}

// GRPCClient returns a *Client over conn.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return NewClient(conn), nil
}

// PluginSets returns the versioned plugin sets of a host (impl nil) or of a
// plugin serving impl at version.
func PluginSets(version int, impl Scheme) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{version: {PluginName: &Plugin{Impl: impl}}}
}
