package client

import "context"

// BearerToken sends "authorization: Bearer <Token>" with every call; use it
// with grpc.WithPerRPCCredentials. The token only travels over TLS unless
// AllowInsecure is set (for a server on loopback).
type BearerToken struct {
	Token         string
	AllowInsecure bool
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (t BearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + t.Token}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (t BearerToken) RequireTransportSecurity() bool { return !t.AllowInsecure }
