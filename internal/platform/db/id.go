package db

import "github.com/google/uuid"

// NewID returns a new row id: a UUIDv7, time-ordered so that B-tree inserts stay
// local, and made by the application so nothing relies on database sequences.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }
