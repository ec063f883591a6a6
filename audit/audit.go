// Package audit re-checks an installation against itself and against its
// transparency log, trusting neither: the database's own guards of the
// records (append-only triggers, unique leaf indexes); every record's
// columns against its canonical bytes, its commitment, signature and leaf;
// every position of the log against exactly one record; the log against
// what its witnesses cosigned; every projection, the domains' own tables
// too, against a replay of the records. It finds a row changed, added or
// removed behind parley's back, and a log rolled back or rewritten; parley
// audit runs it with serve stopped.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// Finding is one thing parley audit found wrong.
type Finding struct {
	// What is "record", "leaf", "projection", "guard" (a trigger or index
	// of the database that keeps the records append-only), "witness" or
	// "checkpoint" (the log against what its witnesses cosigned).
	What string `json:"what"`
	// ID is the record id, the leaf index, the entity's kind/id, the
	// guard's or the witness's name, or the checkpoint's size.
	ID      string `json:"id"`
	Problem string `json:"problem"`
}

func (f Finding) String() string { return f.What + " " + f.ID + ": " + f.Problem }

// Report is the outcome of an audit.
type Report struct {
	Records  int    `json:"records"`
	Leaves   uint64 `json:"leaves"`
	Entities int    `json:"entities"`
	// Tables counts the domains' own projection tables compared.
	Tables int `json:"tables"`
	// Witnesses counts the witnesses whose latest cosigned checkpoint the
	// log was checked against.
	Witnesses int       `json:"witnesses"`
	Findings  []Finding `json:"findings"`
}

// WitnessChecker is a log whose witnesses can be asked what they cosigned:
// *ledger.Log.
type WitnessChecker interface {
	CheckWitnesses(ctx context.Context) (ledger.WitnessReport, error)
}

// Witnesses checks the log against its witnesses (ledger.Log.CheckWitnesses)
// and returns what it found as findings, and how many witnesses' latest
// checkpoints it checked the log against:
//
//   - "witness <name>": the witness cosigned a checkpoint the log does not
//     extend (the log was rolled back or rewritten), or the log could not
//     be checked against it (unreachable, or an answer that is not its
//     cosigned checkpoint of this log);
//   - "checkpoint <size>": the log's latest published checkpoint lacks
//     the cosignatures of the quorum.
//
// The error is for what could not be read of the log itself. A witness's
// conflict is what the report's Err wraps (ledger.ErrRolledBack); the
// caller that must tell it from an unreachable witness reads the report
// itself.
func Witnesses(ctx context.Context, l WitnessChecker) ([]Finding, int, error) {
	r, err := l.CheckWitnesses(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("couldn't check the log against its witnesses: %w", err)
	}
	var fs []Finding
	checked := 0
	for _, w := range r.Witnesses {
		switch {
		case w.Conflict != "":
			fs = append(fs, Finding{What: "witness", ID: w.Name, Problem: w.Conflict})
		case w.Unchecked != "":
			fs = append(fs, Finding{What: "witness", ID: w.Name, Problem: w.Unchecked})
		}
		if w.Unchecked == "" {
			checked++
		}
	}
	if r.Unwitnessed != "" {
		fs = append(fs, Finding{What: "checkpoint", ID: fmt.Sprint(r.PublishedSize), Problem: r.Unwitnessed})
	}
	return fs, checked, nil
}

// Subject is what an audit reads: app.Service.
type Subject interface {
	Store() store.Store
	Registry() *parley.Registry
	// Log is the transparency log the service commits to, or nil.
	Log() app.Log
	// Replay is the projection rule the writes use: the entity a record
	// makes of the entity before it.
	Replay(prev *store.Entity, seq int64, env record.Envelope) (store.Entity, error)
	// AuditProjections compares the domains' own tables with a replay of
	// the records, reporting each difference to find.
	AuditProjections(ctx context.Context, find func(what, id, format string, args ...any)) (int, error)
}

// Run re-checks the store against itself and against the log: that the
// database's guards of the records still hold (store.Guards); every
// record's columns against its canonical bytes, its commitment against its
// salt and bytes, its leaf in the log against its commitment; that the
// records' leaf indexes are unique and cover the log exactly, each of 0 to
// its size-1 held by one record and none past it; every projection
// against a replay of the records, the domains' own tables included; and,
// when the log can ask its witnesses (WitnessChecker), the log against the
// latest checkpoint each witness cosigned, and the latest published
// checkpoint's cosignatures (Witnesses). Without a log it checks the store
// alone.
func Run(ctx context.Context, s Subject) (Report, error) {
	return RunWith(ctx, s, Options{})
}

// Options narrow an audit to what can be checked while the installation
// serves.
type Options struct {
	// Live audits an installation whose writes go on: it checks the
	// records in the log when it began, passes over records and
	// projections that moved on since, and leaves the domains' own
	// tables, which their followers bring up to date a moment later, to
	// parley audit (serve stopped). A record not yet in the log is not a
	// finding: it is a write under way.
	Live bool
	// Newest, when positive, checks only the newest Newest records and
	// their leaves, and that the store holds one record per entry of the
	// log; no projections. It is serve's quick check at start.
	Newest int64
	// NoWitnesses leaves out the check of the log against its witnesses,
	// for a caller that asks them itself (ledger.Log.CheckWitnesses).
	NoWitnesses bool
}

// RunWith is Run narrowed by o.
func RunWith(ctx context.Context, s Subject, o Options) (Report, error) {
	var rep Report
	st, reg, log := s.Store(), s.Registry(), s.Log()
	// horizon is the log's size when the audit began: in a live audit,
	// what lies past it (and what is not yet in the log) is a write under
	// way, not a finding.
	var horizon uint64
	if log != nil {
		size, err := log.IntegratedSize(ctx)
		if err != nil {
			return rep, err
		}
		horizon = size
	}
	moved := map[string]bool{} // kind/id of entities past the horizon
	// A record's position in the log reaches its row with the next batch:
	// a live audit takes a leaf that holds the commitment of a record it
	// found without a position for that record's, as recovery would.
	unplaced := map[string]bool{} // leaf -> a record without a position has it
	lastSeq := int64(-1)
	if o.Live {
		// Records made after the audit began are past its horizon: it
		// stops reading at the newest one it began with.
		n, err := st.LastSeq(ctx)
		if err != nil {
			return rep, err
		}
		lastSeq = n
	}
	past := func(r store.Record) bool {
		return o.Live && log != nil && (r.LeafIndex < 0 || uint64(r.LeafIndex) >= horizon)
	}
	find := func(what, id, format string, args ...any) {
		rep.Findings = append(rep.Findings, Finding{What: what, ID: id, Problem: fmt.Sprintf(format, args...)})
	}
	// The database's own guards first: without them, what follows checks
	// records that anyone with the file could have changed unseen since.
	faults, err := st.CheckGuards(ctx)
	if err != nil {
		return rep, fmt.Errorf("couldn't check the database's guards of the records: %w", err)
	}
	for _, f := range faults {
		find("guard", f.Guard, "%s", f.Problem)
	}
	byLeaf := map[int64]store.Record{}
	want := map[string]store.Entity{} // kind/id -> replayed projection
	var after int64
	if o.Newest > 0 {
		last, err := st.LastSeq(ctx)
		if err != nil {
			return rep, err
		}
		after = max(last-o.Newest, 0)
	}
	for {
		rs, err := st.Records(ctx, after, 5000)
		if err != nil {
			return rep, err
		}
		for _, r := range rs {
			after = r.Seq
			if past(r) {
				moved[r.Kind+"/"+r.Subject] = true
				if r.LeafIndex < 0 {
					unplaced[string(record.Leaf(r.Commitment))] = true
				}
				continue
			}
			rep.Records++
			var env record.Envelope
			if err := json.Unmarshal(r.Canonical, &env); err != nil {
				find("record", r.ID, "its canonical bytes are not a record: %v", err)
				continue
			}
			if again, err := record.Canonical(env); err != nil || !bytes.Equal(again, r.Canonical) {
				find("record", r.ID, "its bytes are not in canonical form")
			}
			if env.ID != r.ID || env.Kind != r.Kind || env.Subject != r.Subject || !env.At.Equal(r.At) ||
				env.Author != r.Author || !reflect.DeepEqual(env.Audience, r.Audience) {
				find("record", r.ID, "its columns (id, kind, subject, time, author or audience) disagree with its canonical bytes")
			}
			if env.Sig != nil {
				if err := record.VerifyEnvelope(env); err != nil {
					find("record", r.ID, "its author's signature does not verify: %v", err)
				}
				if st, _ := record.StatementOf(env); r.Chain != st.Chain() || r.Supersedes != env.Sig.Supersedes {
					find("record", r.ID, "its chain of decisions (chain, supersedes) disagrees with its signed statement")
				}
			} else if r.Chain != "" || r.Supersedes != "" {
				find("record", r.ID, "it is placed in a chain of signed decisions, but it is not signed")
			} else if k, ok := reg.Kind(env.Kind); ok && k.Signed {
				find("record", r.ID, "a %s must be signed, and this one is not", k.Title)
			}
			if c := record.Commitment(r.Salt, r.Canonical); !bytes.Equal(c[:], r.Commitment) {
				find("record", r.ID, "its commitment does not match its salt and bytes")
			}
			if r.LeafIndex < 0 {
				if log != nil {
					find("record", r.ID, "has no position in the log: left by a crash (serve logs it at its next start) or added behind parley's back")
				}
			} else if other, dup := byLeaf[r.LeafIndex]; dup {
				// One leaf proves one record: the store's unique index on
				// positions is gone, or was gone when this row was made.
				find("record", r.ID, "claims log position %d, which record %s claims too", r.LeafIndex, other.ID)
			} else {
				byLeaf[r.LeafIndex] = r
			}
			key := env.Kind + "/" + env.Subject
			var prev *store.Entity
			if p, ok := want[key]; ok {
				prev = &p
			}
			e, err := s.Replay(prev, r.Seq, env)
			if err != nil {
				find("record", r.ID, "cannot be projected: %v", err)
				continue
			}
			want[key] = e
		}
		if len(rs) < 5000 || (lastSeq >= 0 && after >= lastSeq) {
			break
		}
	}
	if log != nil {
		size := horizon
		rep.Leaves = size
		from := uint64(0)
		if o.Newest > 0 {
			// The newest records' leaves only, and one record per entry:
			// a row removed or a store restored from an older backup
			// shows as a count that falls short of the log's.
			n, err := st.LeafCount(ctx)
			if err != nil {
				return rep, err
			}
			if uint64(n) != size {
				find("log", fmt.Sprint(size), "the log has %d entries and the store %d records in it: records were removed, or the store or the log was restored from another time", size, n)
			}
			from = size
			for i := range byLeaf {
				from = min(from, uint64(i))
			}
		}
		err := log.ReadLeaves(ctx, from, size, func(i uint64, leaf []byte) error {
			r, ok := byLeaf[int64(i)]
			if !ok && o.Newest > 0 {
				return nil // an older record's: not this check's
			}
			if !ok && unplaced[string(leaf)] {
				return nil // a write under way: its row learns its position next
			}
			if !ok {
				find("leaf", fmt.Sprint(i), "no record in the store has this position (%.60s): a record row was removed, or its position cleared", leaf)
				return nil
			}
			delete(byLeaf, int64(i))
			if !bytes.Equal(leaf, record.Leaf(r.Commitment)) {
				find("record", r.ID, "its leaf at log position %d commits to other bytes: the row was changed after it was logged", i)
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("couldn't read the log: %w", err)
		}
		for i, r := range byLeaf {
			find("record", r.ID, "claims log position %d, beyond the log's %d entries", i, size)
		}
		// The log against what the witnesses cosigned: a log restored from
		// an old backup agrees with its own store, and only they can tell.
		if wc, ok := log.(WitnessChecker); ok && !o.NoWitnesses {
			fs, n, err := Witnesses(ctx, wc)
			if err != nil {
				return rep, err
			}
			rep.Witnesses = n
			rep.Findings = append(rep.Findings, fs...)
		}
	}
	if o.Newest > 0 {
		return rep, nil
	}
	// current says whether an entity that disagrees with the replay has
	// moved on since the audit began (a live audit passes over it).
	current := func(got store.Entity) bool {
		if !o.Live {
			return false
		}
		if moved[got.Kind+"/"+got.ID] {
			return true
		}
		r, err := st.RecordByID(ctx, got.RecordID)
		return err == nil && past(r)
	}
	for _, k := range reg.Kinds() {
		q := store.Query{Kind: k.Name, Limit: app.MaxPage}
		seen := map[string]bool{}
		for {
			es, more, err := st.Entities(ctx, access.System, q)
			if err != nil {
				return rep, err
			}
			fresh := 0
			for _, got := range es {
				key := got.Kind + "/" + got.ID
				if seen[key] {
					continue
				}
				seen[key] = true
				fresh++
				rep.Entities++
				w, ok := want[key]
				delete(want, key)
				if current(got) {
					continue
				}
				if !ok {
					find("projection", key, "no record made it")
					continue
				}
				if got.RecordID != w.RecordID || got.Version != w.Version || got.Parent != w.Parent || got.CreatedSeq != w.CreatedSeq ||
					got.Party != w.Party || got.Status != w.Status || !got.At.Equal(w.At) || !maps.Equal(got.Fields, w.Fields) ||
					!reflect.DeepEqual(got.Audience, w.Audience) || !got.Created.Equal(w.Created) || !got.Updated.Equal(w.Updated) || !jsonEqual(got.Body, w.Body) {
					find("projection", key, "differs from its records (parley rebuild restores it)")
				}
			}
			if !more || len(es) == 0 {
				break
			}
			// The next page starts at the last one's creation sequence,
			// not after it: rows that share it (which only rows added
			// behind parley's back do) would otherwise be skipped, and
			// a forged row with them. The stores order ties by id, so
			// the rows seen come first and are passed over.
			last := es[len(es)-1].CreatedSeq
			q.After = last - 1
			if fresh == 0 {
				find("projection", k.Name, "more than %d of its rows share creation sequence %d, which no two records can make: the rows past them were not compared", len(es), last)
				q.After = last
			}
		}
	}
	for key := range want {
		find("projection", key, "is missing though records made it (parley rebuild restores it)")
	}
	if o.Live {
		return rep, nil
	}
	n, err := s.AuditProjections(ctx, find)
	rep.Tables = n
	return rep, err
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
