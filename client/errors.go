package client

import (
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sentinels for errors.Is. Every error that came from the server matches one
// of these by its gRPC code and still carries its status (status.FromError).
var (
	ErrInvalidArgument    = errors.New("sluice: invalid argument")
	ErrNotFound           = errors.New("sluice: not found")
	ErrFailedPrecondition = errors.New("sluice: failed precondition")
	ErrPermissionDenied   = errors.New("sluice: permission denied")
	ErrUnauthenticated    = errors.New("sluice: unauthenticated")
	ErrResourceExhausted  = errors.New("sluice: resource exhausted")
	ErrUnavailable        = errors.New("sluice: unavailable")
	ErrInternal           = errors.New("sluice: internal error")
)

var sentinels = map[codes.Code]error{
	codes.InvalidArgument:    ErrInvalidArgument,
	codes.NotFound:           ErrNotFound,
	codes.FailedPrecondition: ErrFailedPrecondition,
	codes.PermissionDenied:   ErrPermissionDenied,
	codes.Unauthenticated:    ErrUnauthenticated,
	codes.ResourceExhausted:  ErrResourceExhausted,
	codes.Unavailable:        ErrUnavailable,
	codes.Internal:           ErrInternal,
}

// Error is an error status returned by the server.
type Error struct{ st *status.Status }

func (e *Error) Error() string { return "sluice: " + e.st.Code().String() + ": " + e.st.Message() }

// GRPCStatus lets status.FromError and status.Code see the original status.
func (e *Error) GRPCStatus() *status.Status { return e.st }

// Is matches the sentinel of the status code.
func (e *Error) Is(target error) bool { return sentinels[e.st.Code()] == target }

// wrap turns a gRPC status error into an *Error; context errors and others
// pass through.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.Canceled, codes.DeadlineExceeded:
		return err
	}
	return &Error{st: st}
}

// permanent reports whether retrying the same subscription cannot help.
func permanent(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.PermissionDenied, codes.Unauthenticated,
		codes.FailedPrecondition, codes.Unimplemented, codes.OutOfRange:
		return true
	}
	return false
}
