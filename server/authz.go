package server

import (
	"context"
)

// Permission is what a caller wants to do with a stream.
type Permission string

// Permissions. Subscribe covers ack, nack, extend and reject.
const (
	PermPublish   Permission = "publish"
	PermSubscribe Permission = "subscribe"
	PermAdmin     Permission = "administer"
)

// Authorizer decides what the caller in ctx may do. Its errors are gRPC
// status errors (PermissionDenied, ResourceExhausted, Unauthenticated)
// returned to the caller as they are. It must be safe for concurrent use.
type Authorizer interface {
	// Allow checks perm on stream, and, when group is not empty, the use of
	// that consumer group.
	Allow(ctx context.Context, perm Permission, stream, group string) error
	// OpenSubscription admits one more Subscribe stream for the caller; the
	// returned func ends it.
	OpenSubscription(ctx context.Context) (release func(), err error)
}

// allowAll is the Authorizer when auth is off.
type allowAll struct{}

func (allowAll) Allow(context.Context, Permission, string, string) error { return nil }
func (allowAll) OpenSubscription(context.Context) (func(), error)        { return func() {}, nil }
