// Package energyweb is the energy sharing's part of the UI and API: the
// plant's pages, its statements with their trace down to the readings,
// and what settling a period reads from the service.
package energyweb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/store"
)

// lister is what reading a plant's records needs of the service.
type lister interface {
	All(ctx context.Context, caller *access.Principal, kind, parent string) ([]store.Entity, error)
	AllOf(ctx context.Context, caller *access.Principal, q store.Query) ([]store.Entity, error)
	Get(ctx context.Context, caller *access.Principal, kind, id string) (store.Entity, error)
}

// issuer is what committing a statement needs of it.
type issuer interface {
	lister
	Create(ctx context.Context, p access.Principal, kind string, body []byte) (app.Written, error)
}

// fact decodes an entity as the invariants see it.
func fact(e store.Entity, into parley.Entity) (parley.Fact, error) {
	if err := json.Unmarshal(e.Body, into); err != nil {
		return parley.Fact{}, fmt.Errorf("couldn't read %s %s: %w", e.Kind, e.ID, err)
	}
	return parley.Fact{ID: e.ID, RecordID: e.RecordID, Seq: e.CreatedSeq, Created: e.Created, Changed: e.Updated, Entity: into, Body: e.Body}, nil
}

func facts[T any, P interface {
	*T
	parley.Entity
}](es []store.Entity) ([]parley.Fact, error) {
	out := make([]parley.Fact, 0, len(es))
	for _, e := range es {
		f, err := fact(e, P(new(T)))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Facts reads plant id's records as caller sees them: what a settlement
// of [from, until) reads (the readings that may give a value in it, all
// the rest).
func Facts(ctx context.Context, svc lister, caller *access.Principal, id string, from, until time.Time) (energy.PlantFacts, error) {
	var pf energy.PlantFacts
	pe, err := svc.Get(ctx, caller, energy.KindPlant, id)
	if err != nil {
		return pf, err
	}
	if pf.Plant, err = fact(pe, new(energy.Plant)); err != nil {
		return pf, err
	}
	all := func(kind, parent string) []store.Entity {
		if err != nil {
			return nil
		}
		var es []store.Entity
		es, err = svc.All(ctx, caller, kind, parent)
		return es
	}
	meters := all(energy.KindMeter, id)
	if pf.Meters, err = facts[energy.Meter](meters); err != nil {
		return pf, err
	}
	if pf.Terms, err = facts[energy.SharingTerms](all(energy.KindTerms, id)); err != nil {
		return pf, err
	}
	for _, m := range meters {
		es, err := svc.AllOf(ctx, caller, store.Query{Kind: energy.KindReadings, Parent: m.ID, From: energy.SeriesFrom(from), To: until, Order: store.OrderAt})
		if err != nil {
			return pf, err
		}
		rs, err := facts[energy.Readings](es)
		if err != nil {
			return pf, err
		}
		pf.Readings = append(pf.Readings, rs...)
	}
	disputes := all(energy.KindDispute, id)
	if pf.Disputes, err = facts[energy.Dispute](disputes); err != nil {
		return pf, err
	}
	for _, d := range disputes {
		rs, err := facts[energy.Resolution](all(energy.KindResolution, d.ID))
		if err != nil {
			return pf, err
		}
		pf.Resolutions = append(pf.Resolutions, rs...)
	}
	return pf, err
}

// Settle computes the settlement of plant id over [from, until) from the
// records as caller sees them, with its trace.
func Settle(ctx context.Context, svc lister, caller *access.Principal, id string, from, until time.Time) (*energy.Settlement, error) {
	pf, err := Facts(ctx, svc, caller, id, from.UTC(), until.UTC())
	if err != nil {
		return nil, err
	}
	in, err := pf.Input(from.UTC(), until.UTC())
	if err != nil {
		return nil, err
	}
	in.Trace = true
	st, err := energy.Settle(in)
	if err != nil {
		return nil, &app.Error{Code: app.CodeInvalid, Message: err.Error()}
	}
	return st, nil
}

// Issue computes the statement of plant id for [from, until) from the
// records and commits it as caller (a mediator); replaces names the
// statement of the period it recomputes, if there is one.
func Issue(ctx context.Context, svc issuer, caller access.Principal, id string, from, until time.Time, replaces string) (app.Written, error) {
	pf, err := Facts(ctx, svc, &caller, id, from.UTC(), until.UTC())
	if err != nil {
		return app.Written{}, err
	}
	figures, err := pf.Figures(from.UTC(), until.UTC())
	if err != nil {
		return app.Written{}, &app.Error{Code: app.CodeInvalid, Message: err.Error()}
	}
	body, err := json.Marshal(energy.Statement{PlantID: id, From: from.UTC().Format(time.RFC3339), Until: until.UTC().Format(time.RFC3339),
		Replaces: replaces, Figures: figures})
	if err != nil {
		return app.Written{}, err
	}
	return svc.Create(ctx, caller, energy.KindStatement, body)
}

// Trace settles statement id's period again from the records committed
// before it, with the trace of every interval, and checks that it gives
// the statement's figures.
func Trace(ctx context.Context, svc lister, caller *access.Principal, id string) (*energy.Settlement, error) {
	e, err := svc.Get(ctx, caller, energy.KindStatement, id)
	if err != nil {
		return nil, err
	}
	var s energy.Statement
	if err := json.Unmarshal(e.Body, &s); err != nil {
		return nil, fmt.Errorf("couldn't read statement %s: %w", id, err)
	}
	from, until, err := s.Period()
	if err != nil {
		return nil, err
	}
	pf, err := Facts(ctx, svc, caller, s.PlantID, from, until)
	if err != nil {
		return nil, err
	}
	pf = pf.Before(e.CreatedSeq)
	in, err := pf.Input(from, until)
	if err != nil {
		return nil, err
	}
	in.Trace = true
	st, err := energy.Settle(in)
	if err != nil {
		return nil, err
	}
	traced := *st
	traced.Trace = nil
	got, _ := json.Marshal(traced)
	if string(got) != s.Figures {
		return nil, fault.New(app.CodeConflict, "", "the records committed before statement %s do not give its figures byte for byte: its trace would not be its own", id)
	}
	return st, nil
}
