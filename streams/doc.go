// Package streams holds Sluice's Redis Streams mechanics: the entry layout,
// publishing (XADD), consumer groups (XGROUP, XREADGROUP, XACK) and the
// read path that lets many subscriptions share few Redis connections.
//
// It knows nothing of gRPC: the server package translates requests into calls
// here and maps the errors in errors.go to status codes.
package streams
