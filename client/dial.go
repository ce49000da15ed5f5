package client

import (
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// DialBalanced returns a connection that spreads calls over several sluiced
// replicas (gRPC's round_robin policy over a fixed address list) and stops
// using a replica while it is down. Any replica can take any call, acks
// included, so this is all a client needs to use several replicas without
// a load balancer in front. opts are passed to grpc.NewClient (credentials
// are required there as usual). The caller closes the connection.
func DialBalanced(addrs []string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	if len(addrs) == 0 {
		return nil, errors.New("sluice: no addresses")
	}
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
