// Package streams holds Sluice's Redis Streams mechanics, and knows nothing
// of gRPC: the server package translates requests into calls here and maps
// the errors in errors.go to status codes. What it does, by file:
//
//   - entry.go, id.go: the entry layout (type, version, payload, ...) and IDs.
//   - publish.go: XADD, in one MULTI/EXEC or, with idempotency keys, one
//     script; durable publishes wait for replicas (WAIT, WAITAOF).
//   - groupsub.go, dispatcher.go, groupread.go, upkeep.go: consumer group
//     subscriptions. One dispatcher per stream and group in a process reads
//     (XREADGROUP) for its subscriptions in turn, within their credit,
//     reclaims what is due for redelivery or dead-lettering, and deletes idle
//     consumers.
//   - policy.go, settle.go: ack deadlines and retry backoff; ack, nack,
//     extend and reject, each fenced against a later delivery.
//   - read.go, watch.go: independent readers (XREAD), sharing one watch per
//     stream.
//   - topic.go, topicsub.go: partitioned topics: key routing, and partition
//     leases shared by a group's subscriptions on any replica.
//   - deadletter.go: the dead-letter stream: list, redrive, purge.
//   - admin.go: inspection and administration (streams, groups, pending,
//     ranges, trimming).
//   - scripts.go and lua/: the Lua scripts that make multi-step operations
//     atomic, and how they keep time; keys.go: every Redis key Sluice uses.
package streams
