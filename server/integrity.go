package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/ledger"
)

// StartCheckRecords is how many of the newest records serve checks against
// the log before it starts: enough to catch the last hours' rows changed
// or removed, quick enough not to hold up a start.
const StartCheckRecords = 1000

// CheckIntegrity checks an installation as serve starts it, and then keeps
// checking it while it serves. Before it returns, it checks the newest
// records against their leaves, that the store holds one record per entry
// of the log, and the log against the latest checkpoint each witness
// cosigned; then it starts the full audit (audit.Options.Live) in the
// background, again every AuditEvery, and returns a channel that is
// closed when the background audits stop, once ctx ends.
// Whatever either finds fails the installation (app.Service.CheckDone):
// writes are refused, and every answer says so. A witness that cannot be
// reached proves nothing either way: it is logged, not a failure.
//
// An error is returned only for what kept the start check from running
// (the store or the log unreadable); serve does not start then.
func CheckIntegrity(ctx context.Context, svc *app.Service, log *ledger.Log, logger *slog.Logger) (<-chan struct{}, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	svc.CheckStarted()
	rep, err := audit.RunWith(ctx, svc, audit.Options{Newest: StartCheckRecords, NoWitnesses: true})
	if err != nil {
		svc.CheckDone(ctx, "start", nil)
		return nil, err
	}
	findings := findingTexts(rep.Findings)
	if log != nil {
		wr, err := log.CheckWitnesses(ctx)
		if err != nil {
			svc.CheckDone(ctx, "start", nil)
			return nil, err
		}
		for _, w := range wr.Witnesses {
			switch {
			case w.Conflict != "":
				findings = append(findings, "witness "+w.Name+": "+w.Conflict)
			case w.Unchecked != "":
				logger.LogAttrs(ctx, slog.LevelWarn, "couldn't check the log against a witness at start",
					slog.String("witness", w.Name), slog.String("reason", w.Unchecked))
			}
		}
	}
	svc.CheckDone(ctx, "start", findings)
	if len(findings) == 0 {
		logger.LogAttrs(ctx, slog.LevelInfo, "start check passed", slog.Int("records", rep.Records),
			slog.Uint64("log_entries", rep.Leaves), slog.Duration("took", time.Since(start).Round(time.Millisecond)))
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			backgroundAudit(ctx, svc, logger)
			select {
			case <-ctx.Done():
				return
			case <-time.After(AuditEvery):
			}
		}
	}()
	return done, nil
}

// AuditEvery is how often serve audits the whole installation again while
// it serves: what is changed behind its back after one audit is found by
// the next.
const AuditEvery = 6 * time.Hour

// backgroundAudit runs one live audit and records what it found.
func backgroundAudit(ctx context.Context, svc *app.Service, logger *slog.Logger) {
	svc.CheckStarted()
	start := time.Now()
	rep, err := audit.RunWith(ctx, svc, audit.Options{Live: true, NoWitnesses: true})
	if err != nil {
		// An audit that could not finish (the server stopping, a read
		// failing) found nothing: it proves nothing either.
		svc.CheckDone(ctx, "audit", nil)
		if ctx.Err() == nil {
			logger.LogAttrs(ctx, slog.LevelError, "the background audit could not finish", slog.Any("error", err))
		}
		return
	}
	svc.CheckDone(ctx, "audit", findingTexts(rep.Findings))
	if len(rep.Findings) == 0 {
		logger.LogAttrs(ctx, slog.LevelInfo, "background audit passed", slog.Int("records", rep.Records),
			slog.Uint64("log_entries", rep.Leaves), slog.Int("entities", rep.Entities),
			slog.Duration("took", time.Since(start).Round(time.Millisecond)))
	}
}

func findingTexts(fs []audit.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}
