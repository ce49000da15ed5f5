package server

import (
	"context"
	"fmt"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/streams"
)

// Ack implements sluice.v1.SubscriberService.
func (s *Server) Ack(ctx context.Context, req *sluicev1.AckRequest) (*sluicev1.AckResponse, error) {
	ids := req.GetAckIds()
	switch {
	case len(ids) == 0:
		return nil, invalid("ack_ids", "no ack IDs")
	case len(ids) > maxAckIDs:
		return nil, invalid("ack_ids", "%d ack IDs; the limit is %d per request", len(ids), maxAckIDs)
	}
	refs := make([]streams.AckRef, len(ids))
	for i, id := range ids {
		r, err := decodeAckID(id)
		if err != nil {
			return nil, invalid(fmt.Sprintf("ack_ids[%d]", i), "%v; pass Message.ack_id unchanged", err)
		}
		refs[i] = r.AckRef
	}
	pending, err := s.store.Ack(ctx, refs)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := make([]*sluicev1.AckResult, len(pending))
	for i, p := range pending {
		st := sluicev1.AckStatus_ACK_STATUS_NOT_PENDING
		if p {
			st = sluicev1.AckStatus_ACK_STATUS_ACKED
		}
		res[i] = &sluicev1.AckResult{Status: st}
	}
	return &sluicev1.AckResponse{Results: res}, nil
}
