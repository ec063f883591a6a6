package app

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// An installation that failed its integrity check (records or the log
// changed outside parley, a witness that cosigned more than the log holds)
// must not go on as if nothing happened: new records would be committed on
// top of a history its parties can no longer trust, and readers would take
// what it shows at face value. So the service refuses writes, and the
// server says so on every answer, until an operator has looked into it and
// restarted it on a sound installation.

// Integrity is what the installation's integrity checks found.
type Integrity struct {
	// Failed is set once any check found a problem; nothing clears it but
	// a restart.
	Failed bool
	// Findings name the problems, the first ones found (at most
	// maxIntegrityFindings).
	Findings []string
	// Checked is when the last check ended; Running whether one is under
	// way (the full audit, in the background after start).
	Checked time.Time
	Running bool
}

const maxIntegrityFindings = 20

type integrity struct {
	mu sync.Mutex
	v  Integrity
	// failed is v.Failed, read on every write and every request without
	// the lock or a copy of the findings.
	failed atomic.Bool
}

// IntegrityFailed reports whether the installation failed an integrity
// check: Integrity().Failed, cheaply, for every request.
func (s *Service) IntegrityFailed() bool { return s.integrity.failed.Load() }

// Integrity returns the state of the installation's integrity checks.
func (s *Service) Integrity() Integrity {
	s.integrity.mu.Lock()
	defer s.integrity.mu.Unlock()
	v := s.integrity.v
	v.Findings = slices.Clone(v.Findings)
	return v
}

// CheckStarted records that an integrity check is running.
func (s *Service) CheckStarted() {
	s.integrity.mu.Lock()
	defer s.integrity.mu.Unlock()
	s.integrity.v.Running = true
}

// CheckDone records the end of an integrity check and its findings. Any
// finding fails the installation, for good: writes are refused from now on.
// Each finding is logged at ERROR.
func (s *Service) CheckDone(ctx context.Context, check string, findings []string) {
	s.integrity.mu.Lock()
	defer s.integrity.mu.Unlock()
	v := &s.integrity.v
	v.Running = false
	v.Checked = s.now()
	for _, f := range findings {
		s.logger.LogAttrs(ctx, slog.LevelError, "integrity check failed: writes are refused until an operator resolves it",
			slog.String("check", check), slog.String("finding", f))
		if len(v.Findings) < maxIntegrityFindings {
			v.Findings = append(v.Findings, f)
		}
	}
	if len(findings) > 0 {
		v.Failed = true
		s.integrity.failed.Store(true)
	}
}

// refuseIfFailed is the write path's guard.
func (s *Service) refuseIfFailed() error {
	if !s.IntegrityFailed() {
		return nil
	}
	// Not the findings: they may name records hidden from the writer.
	// The operator reads them in the server's log and on its pages.
	return newError(CodeUnavailable, "", "this installation failed its integrity check, so it commits nothing until its operator has resolved it; reads go on, with a warning")
}
