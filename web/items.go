package web

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// Item is one entity as a section's page shows it: the domain value with
// the envelope facts a reader needs (its id for links, its audience for the
// badge, its latest record for the link to that record and its proof).
type Item[T any] struct {
	ID         string
	Audience   record.Audience
	RecordID   string
	Version    int
	CreatedSeq int64
	Updated    time.Time
	// Supersedes is the record id of the decision a signed one supersedes;
	// On the record id of the version of its parent a decision was made
	// on (parley.OnField).
	Supersedes, On string
	V              *T
}

// ItemOf decodes an entity's body into its domain value.
func ItemOf[T any](e store.Entity) (Item[T], error) {
	v := new(T)
	if err := json.Unmarshal(e.Body, v); err != nil {
		return Item[T]{}, fmt.Errorf("couldn't read %s %s: %w", e.Kind, e.ID, err)
	}
	return Item[T]{ID: e.ID, Audience: e.Audience, RecordID: e.RecordID, Version: e.Version, CreatedSeq: e.CreatedSeq, Updated: e.Updated,
		Supersedes: e.Field(parley.SupersedesField), On: e.Field(parley.OnField), V: v}, nil
}

// Load returns every entity of a kind (under parent, if set) that the
// caller may see, in creation order.
func Load[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind, parent string) ([]Item[T], error) {
	es, err := svc.All(ctx, caller, kind, parent)
	if err != nil {
		return nil, fmt.Errorf("couldn't list %s: %w", kind, err)
	}
	out := make([]Item[T], 0, len(es))
	for _, e := range es {
		it, err := ItemOf[T](e)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// Get returns one entity the caller may see; one the caller may not see is
// app.CodeNotFound, which becomes the 404 page.
func Get[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind, id string) (Item[T], error) {
	e, err := svc.Get(ctx, caller, kind, id)
	if err != nil {
		return Item[T]{}, err
	}
	return ItemOf[T](e)
}

// ByID returns the values of every entity of a kind the caller may see, by
// id: the names a page resolves references with.
func ByID[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind string) (map[string]*T, error) {
	items, err := Load[T](ctx, svc, caller, kind, "")
	if err != nil {
		return nil, err
	}
	m := make(map[string]*T, len(items))
	for _, it := range items {
		m[it.ID] = it.V
	}
	return m, nil
}
