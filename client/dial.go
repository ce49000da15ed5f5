package client

import (
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// Flow-control windows Sluice's server and DialOptions set. A fixed window
// turns off gRPC's bandwidth-delay-product estimation, which otherwise
// sends a PING (and its peer an ACK) whenever data arrives with no PING
// outstanding: on one-event Publish calls that was two more writes and four
// more reads per call on each side's behalf (6.0 → 4.2 writes and 11 → 7.2
// reads a call, counted with strace in BenchmarkPublish, 2026-12-04). The
// sizes are what the estimation would grow to on a fast network, so
// throughput is not capped by them: a stream may have 4 MiB unread, a
// connection 16 MiB.
const (
	StreamWindow     = 4 << 20
	ConnectionWindow = 16 << 20
)

// DialOptions are the dial options Sluice recommends besides credentials:
// fixed flow-control windows (StreamWindow, ConnectionWindow). Pass them to
// grpc.NewClient before your own; DialBalanced adds them itself.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithInitialWindowSize(StreamWindow), grpc.WithInitialConnWindowSize(ConnectionWindow)}
}

// DialBalanced returns a connection that spreads calls over several sluiced
// replicas (gRPC's round_robin policy over a fixed address list) and stops
// using a replica while it is down. Any replica can take any call, acks
// included, so this is all a client needs to use several replicas without
// a load balancer in front. opts are passed to grpc.NewClient after
// DialOptions (credentials are required there as usual). The caller closes
// the connection.
func DialBalanced(addrs []string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	if len(addrs) == 0 {
		return nil, errors.New("sluice: no addresses")
	}
	opts = append(DialOptions(), opts...)
	if len(addrs) == 1 {
		return grpc.NewClient(addrs[0], opts...)
	}
	r := manual.NewBuilderWithScheme("sluice-replicas")
	state := resolver.State{}
	for _, a := range addrs {
		state.Addresses = append(state.Addresses, resolver.Address{Addr: a})
	}
	r.InitialState(state)
	opts = append(opts, grpc.WithResolvers(r),
		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig": [{"round_robin": {}}]}`))
	return grpc.NewClient(r.Scheme()+":///sluiced", opts...)
}
