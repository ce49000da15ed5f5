package server

import (
	"context"
	"fmt"
	"math"

	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/streams"
)

const (
	maxRedrive = 10000
)

// ListDeadLetters implements sluice.v1.DeadLetterService.
func (s *Server) ListDeadLetters(ctx context.Context, req *sluicev1.ListDeadLettersRequest) (*sluicev1.ListDeadLettersResponse, error) {
	if err := s.adminStream(ctx, req.GetStream()); err != nil {
		return nil, err
	}
	size, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	after, err := pageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	dls, err := s.store.DeadLetters(ctx, req.GetStream(), after, size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := &sluicev1.ListDeadLettersResponse{}
	if len(dls) > size {
		dls = dls[:size]
		res.NextPageToken = dls[size-1].ID.String()
	}
	for i := range dls {
		dl := &dls[i]
		res.DeadLetters = append(res.DeadLetters, &sluicev1.DeadLetter{
			Id:               dl.ID.String(),
			SourceStream:     dl.SourceStream,
			SourceId:         dl.SourceID,
			Group:            dl.Group,
			DeliveryAttempts: int32(min(dl.Attempts, math.MaxInt32)),
			Reason:           dl.Reason,
			DeadLetteredAt:   timestamppb.New(dl.Time),
			Event:            s.fromEntry(&dl.Entry, sluicev1.PayloadFormat_PAYLOAD_FORMAT_UNSPECIFIED),
			ExtraFields:      dl.Entry.Extra,
		})
		// The event's publish time is the source entry's, not the record's.
		if src, err := streams.ParseID(dl.SourceID); err == nil {
			res.DeadLetters[i].Event.PublishTime = timestamp(src)
		}
	}
	return res, nil
}

// RedriveDeadLetters implements sluice.v1.DeadLetterService.
func (s *Server) RedriveDeadLetters(ctx context.Context, req *sluicev1.RedriveDeadLettersRequest) (*sluicev1.RedriveDeadLettersResponse, error) {
	if err := s.adminStream(ctx, req.GetStream()); err != nil {
		return nil, err
	}
	if t := req.GetTargetStream(); t != "" {
		if err := validateName("stream", t); err != nil {
			return nil, invalid("target_stream", "%v", err)
		}
		if err := s.authz.Allow(ctx, PermPublish, t, ""); err != nil {
			return nil, err
		}
	}
	ids, err := recordIDs(req.GetIds())
	if err != nil {
		return nil, err
	}
	newIDs, missing, err := s.store.Redrive(ctx, req.GetStream(), ids, req.GetTargetStream(), maxRedrive)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := &sluicev1.RedriveDeadLettersResponse{NewIds: newIDs}
	for _, id := range missing {
		res.MissingIds = append(res.MissingIds, id.String())
	}
	return res, nil
}

// PurgeDeadLetters implements sluice.v1.DeadLetterService.
func (s *Server) PurgeDeadLetters(ctx context.Context, req *sluicev1.PurgeDeadLettersRequest) (*sluicev1.PurgeDeadLettersResponse, error) {
	if err := s.adminStream(ctx, req.GetStream()); err != nil {
		return nil, err
	}
	ids, err := recordIDs(req.GetIds())
	if err != nil {
		return nil, err
	}
	n, err := s.store.PurgeDeadLetters(ctx, req.GetStream(), ids)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &sluicev1.PurgeDeadLettersResponse{Deleted: n}, nil
}

func recordIDs(strs []string) ([]streams.ID, error) {
	if len(strs) > maxRedrive {
		return nil, invalid("ids", "%d IDs; the limit is %d per request", len(strs), maxRedrive)
	}
	ids := make([]streams.ID, len(strs))
	for i, str := range strs {
		id, err := streams.ParseID(str)
		if err != nil {
			return nil, invalid(fmt.Sprintf("ids[%d]", i), "%q: %v", str, err)
		}
		ids[i] = id
	}
	return ids, nil
}
