package server

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/prometheus/client_golang/prometheus"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/streams"
)

const maxReasonLen = 1024

// Ack implements sluice.v1.SubscriberService.
func (s *Server) Ack(ctx context.Context, req *sluicev1.AckRequest) (*sluicev1.AckResponse, error) {
	refs, err := s.decodeAckIDs(ctx, req.GetAckIds())
	if err != nil {
		return nil, err
	}
	if req.GetOmitResults() {
		tallies, err := s.store.AckCount(ctx, refs)
		if err != nil {
			return nil, toStatus(ctx, s.log, err)
		}
		for _, t := range tallies {
			s.record(t, s.metrics.Acked, "")
		}
		return &sluicev1.AckResponse{}, nil
	}
	res, err := s.store.Ack(ctx, refs)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	s.count(refs, res, s.metrics.Acked, "")
	return &sluicev1.AckResponse{Results: ackResults(res)}, nil
}

// Nack implements sluice.v1.SubscriberService.
func (s *Server) Nack(ctx context.Context, req *sluicev1.NackRequest) (*sluicev1.NackResponse, error) {
	refs, err := s.decodeAckIDs(ctx, req.GetAckIds())
	if err != nil {
		return nil, err
	}
	if len(req.GetReason()) > maxReasonLen {
		return nil, invalid("reason", "%d bytes; the limit is %d", len(req.GetReason()), maxReasonLen)
	}
	if req.GetDelay() != nil {
		d, err := duration("delay", req.GetDelay(), 0, streams.MaxWait)
		if err != nil {
			return nil, err
		}
		for i := range refs {
			refs[i].Wait = d
		}
	} // else each ref keeps the backoff its ack ID carries
	res, err := s.store.Nack(ctx, refs, req.GetReason())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	s.count(refs, res, s.metrics.Nacked, "")
	return &sluicev1.NackResponse{Results: ackResults(res)}, nil
}

// ExtendAckDeadline implements sluice.v1.SubscriberService.
func (s *Server) ExtendAckDeadline(ctx context.Context, req *sluicev1.ExtendAckDeadlineRequest) (*sluicev1.ExtendAckDeadlineResponse, error) {
	refs, err := s.decodeAckIDs(ctx, req.GetAckIds())
	if err != nil {
		return nil, err
	}
	d, err := duration("ack_deadline", req.GetAckDeadline(), time.Second, streams.MaxWait)
	if err != nil {
		return nil, err
	}
	for i := range refs {
		refs[i].Wait = d
	}
	res, err := s.store.Extend(ctx, refs)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	s.count(refs, res, nil, "")
	return &sluicev1.ExtendAckDeadlineResponse{Results: ackResults(res)}, nil
}

// Reject implements sluice.v1.SubscriberService.
func (s *Server) Reject(ctx context.Context, req *sluicev1.RejectRequest) (*sluicev1.RejectResponse, error) {
	refs, err := s.decodeAckIDs(ctx, req.GetAckIds())
	if err != nil {
		return nil, err
	}
	switch r := req.GetReason(); {
	case r == "":
		return nil, invalid("reason", "empty: say why the message is rejected; it goes to the dead-letter record")
	case len(r) > maxReasonLen:
		return nil, invalid("reason", "%d bytes; the limit is %d", len(r), maxReasonLen)
	}
	res, err := s.store.Reject(ctx, refs, req.GetReason())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	s.count(refs, res, nil, "rejected")
	return &sluicev1.RejectResponse{Results: ackResults(res)}, nil
}

// count adds the settlements that took effect to done (or, with a reason,
// to the dead-letter counter) and the stale ones to the stale counter.
func (s *Server) count(refs []streams.Ref, res []streams.Result, done *prometheus.CounterVec, deadReason string) {
	// Consecutive results of one stream and group (the usual batch) are
	// added at once.
	var run streams.Tally
	for i, r := range res {
		if i > 0 && (refs[i].Stream != refs[i-1].Stream || refs[i].Group != refs[i-1].Group) {
			s.record(run, done, deadReason)
			run = streams.Tally{}
		}
		run.Stream, run.Group = refs[i].Stream, refs[i].Group
		switch r {
		case streams.Stale:
			run.Stale++
		case streams.Done:
			run.Done++
		}
	}
	s.record(run, done, deadReason)
}

// record adds t to the metrics: its stale settlements, and what took effect
// to done or, with deadReason, to the dead-lettered.
func (s *Server) record(t streams.Tally, done *prometheus.CounterVec, deadReason string) {
	if t.Stale == 0 && t.Done == 0 {
		return
	}
	st, g := s.metrics.Group(t.Stream, t.Group)
	if t.Stale > 0 {
		s.metrics.Stale.WithLabelValues(st, g).Add(float64(t.Stale))
	}
	switch {
	case t.Done > 0 && done != nil:
		done.WithLabelValues(st, g).Add(float64(t.Done))
	case t.Done > 0 && deadReason != "":
		s.metrics.DeadLettered.WithLabelValues(st, g, deadReason).Add(float64(t.Done))
	}
}

// decodeAckIDs decodes ack IDs and checks that the caller may subscribe to
// every stream and group they name: an ack ID is opaque, not a credential.
func (s *Server) decodeAckIDs(ctx context.Context, ids []string) ([]streams.Ref, error) {
	switch {
	case len(ids) == 0:
		return nil, invalid("ack_ids", "no ack IDs")
	case len(ids) > maxAckIDs:
		return nil, invalid("ack_ids", "%d ack IDs; the limit is %d per request", len(ids), maxAckIDs)
	}
	refs := make([]streams.Ref, len(ids))
	checked := make(map[[2]string]bool)
	var prev *streams.Ref
	for i, id := range ids {
		r, err := decodeAckIDAfter(s.ackKey, id, prev)
		if err != nil {
			return nil, invalid(fmt.Sprintf("ack_ids[%d]", i), "%v; pass Message.ack_id unchanged", err)
		}
		same := prev != nil && r.Stream == prev.Stream && r.Group == prev.Group
		if k := [2]string{r.Stream, r.Group}; !same && !checked[k] {
			if err := s.authz.Allow(ctx, PermSubscribe, r.Stream, r.Group); err != nil {
				return nil, err
			}
			checked[k] = true
		}
		refs[i] = r
		prev = &refs[i]
	}
	return refs, nil
}

var resultStatus = map[streams.Result]sluicev1.AckStatus{
	streams.Done:       sluicev1.AckStatus_ACK_STATUS_ACKED,
	streams.NotPending: sluicev1.AckStatus_ACK_STATUS_NOT_PENDING,
	streams.Stale:      sluicev1.AckStatus_ACK_STATUS_STALE,
}

func ackResults(res []streams.Result) []*sluicev1.AckResult {
	out := make([]*sluicev1.AckResult, len(res))
	slab := make([]sluicev1.AckResult, len(res)) // one allocation, not one per result
	for i, r := range res {
		slab[i].Status = resultStatus[r]
		out[i] = &slab[i]
	}
	return out
}

// duration validates a Duration field against [lo, hi].
func duration(field string, d *durationpb.Duration, lo, hi time.Duration) (time.Duration, error) {
	if err := d.CheckValid(); err != nil {
		return 0, invalid(field, "%v", err)
	}
	v := d.AsDuration()
	if v < lo || v > hi {
		return 0, invalid(field, "%v is out of range: use %v to %v", v, lo, hi)
	}
	return v, nil
}
