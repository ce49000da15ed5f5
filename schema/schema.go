// Package schema knows the event types a server was given as a Protobuf
// descriptor set (built with `buf build -o FILE`): it checks that payloads
// decode as their declared type and converts between JSON and binary
// Protobuf. A nil *Registry knows no types; every method handles it.
package schema

import (
	"errors"
	"fmt"
	"os"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Registry holds message descriptors. It is immutable and safe for
// concurrent use.
type Registry struct {
	files *protoregistry.Files
	types *protoregistry.Types
}

// Load reads a FileDescriptorSet (binary, as `buf build -o x.binpb` or
// `protoc --include_imports -o` write it).
func Load(path string) (*Registry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse builds a Registry from a serialized FileDescriptorSet. The set must
// include the files that its files import.
func Parse(b []byte) (*Registry, error) {
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("schema: not a FileDescriptorSet: %w", err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return nil, fmt.Errorf("schema: invalid descriptor set (build it with imports included): %w", err)
	}
	types := new(protoregistry.Types)
	var regErr error
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		regErr = registerMessages(types, fd.Messages())
		return regErr == nil
	})
	if regErr != nil {
		return nil, regErr
	}
	return &Registry{files: files, types: types}, nil
}

func registerMessages(types *protoregistry.Types, msgs protoreflect.MessageDescriptors) error {
	for i := 0; i < msgs.Len(); i++ {
		md := msgs.Get(i)
		if md.IsMapEntry() {
			continue
		}
		if err := types.RegisterMessage(dynamicpb.NewMessageType(md)); err != nil {
			return err
		}
		if err := registerMessages(types, md.Messages()); err != nil {
			return err
		}
	}
	return nil
}

// Len is the number of message types known.
func (r *Registry) Len() int {
	if r == nil {
		return 0
	}
	return r.types.NumMessages()
}

// Known reports whether typ (a full message name) is in the registry.
func (r *Registry) Known(typ string) bool {
	_, ok := r.lookup(typ)
	return ok
}

func (r *Registry) lookup(typ string) (protoreflect.MessageType, bool) {
	if r == nil {
		return nil, false
	}
	mt, err := r.types.FindMessageByName(protoreflect.FullName(typ))
	return mt, err == nil
}

// ErrUnknownType is returned for a type the registry does not know.
var ErrUnknownType = errors.New("schema: unknown message type")

// Validate checks that payload decodes as typ.
func (r *Registry) Validate(typ string, payload []byte) error {
	mt, ok := r.lookup(typ)
	if !ok {
		return ErrUnknownType
	}
	return proto.Unmarshal(payload, mt.New().Interface())
}

// FromJSON converts Protobuf JSON of type typ into binary Protobuf.
func (r *Registry) FromJSON(typ string, js []byte) ([]byte, error) {
	mt, ok := r.lookup(typ)
	if !ok {
		return nil, ErrUnknownType
	}
	m := mt.New().Interface()
	if err := (protojson.UnmarshalOptions{Resolver: r.types}).Unmarshal(js, m); err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

// ToJSON converts a binary Protobuf payload of type typ into Protobuf JSON.
func (r *Registry) ToJSON(typ string, payload []byte) ([]byte, error) {
	mt, ok := r.lookup(typ)
	if !ok {
		return nil, ErrUnknownType
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(payload, m); err != nil {
		return nil, err
	}
	return protojson.MarshalOptions{Resolver: r.types}.Marshal(m)
}
