// Package testkit is what the tests of every package share: a service on a
// real store, running the demo's domains, with password hashing cheap enough
// that a test can load the demo's principals in milliseconds. Production
// code never imports it; access's own tests check the production cost.
package testkit

import (
	"log/slog"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
)

// CheapPasswords is the argon2id cost tests hash at: one pass over 8 KiB,
// where production takes three over 64 MiB (access.DefaultPasswordCost).
var CheapPasswords = access.PasswordCost{Time: 1, MemoryKiB: 8, Threads: 1}

// NewService returns a service on st for the demo's domains, hashing
// passwords at CheapPasswords. now and logger may be nil.
func NewService(st store.Store, now func() time.Time, logger *slog.Logger) *app.Service {
	svc := app.New(st, scenario.Registry(), now, logger)
	svc.SetPasswordCost(CheapPasswords)
	return svc
}
