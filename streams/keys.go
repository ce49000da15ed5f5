package streams

import "strings"

// The Redis keys Sluice uses besides the streams themselves. A stream's own
// keys are in its Cluster hash slot ("{stream}:sluice:..."), so that one
// script can touch the stream and them; a topic's coordination keys are in
// the topic's slot. Client stream names cannot contain braces or start with
// "sluice:", so none of these can be addressed as a stream.

// topicsKey holds every topic: field = name, value = partition count.
const topicsKey = "sluice:topics"

// DeadLetterKey is the dead-letter stream of stream.
func DeadLetterKey(stream string) string { return "{" + stream + "}:sluice:dlq" }

// reasonsKey is the hash of the last nack reason of pending entries, by
// "group id".
func reasonsKey(stream string) string { return "{" + stream + "}:sluice:reasons" }

// waitsKey is the hash of consumers' thresholds (see scripts.go).
func waitsKey(stream string) string { return "{" + stream + "}:sluice:waits" }

// filtersKey is the hash of groups' filter expressions (see CreateGroup).
func filtersKey(stream string) string { return "{" + stream + "}:sluice:filters" }

// epochsKey is the hash of groups' redelivery epochs (see scripts.go).
func epochsKey(stream string) string { return "{" + stream + "}:sluice:epochs" }

// waitLane is the consumer that holds c's entries that wait longer than c's
// threshold. Consumer names from clients cannot contain '~'.
func waitLane(c string) string { return c + "~" }

// laneOwner is the consumer whose entries the consumer c holds: c itself, or
// the consumer of the wait lane c.
func laneOwner(c string) string { return strings.TrimSuffix(c, "~") }

// idempotencyKey remembers the entry ID that an idempotency key published.
func idempotencyKey(stream, key string) string { return "{" + stream + "}:sluice:idem:" + key }

// Keys of a group's coordination on a topic, in one hash slot (the topic's)
// so that one script sees the whole picture.
func membersKey(topic, group string) string {
	return "{" + topic + "}:sluice:topic:members:" + group
}

func ownersKey(topic, group string) string {
	return "{" + topic + "}:sluice:topic:owners:" + group
}
