package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/store"
)

// TestCheckIndex: a new store records the kinds' declarations before its
// first record; other declarations are ErrIndexStale, as is a store with
// records that records none (built before parley kept them), until a
// rebuild builds the entities anew and records this build's.
func TestCheckIndex(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(false)
	if err := in.svc.CheckIndex(ctx); err != nil {
		t.Fatalf("a new store: %v", err)
	}
	in.loadScenario()
	if err := in.svc.CheckIndex(ctx); err != nil {
		t.Fatalf("the declarations it recorded: %v", err)
	}
	if err := in.st.Write(ctx, func(tx store.Tx) error { return tx.SetMeta(ctx, "index-declarations", []byte("an older build's")) }); err != nil {
		t.Fatal(err)
	}
	if err := in.svc.CheckIndex(ctx); !errors.Is(err, app.ErrIndexStale) {
		t.Fatalf("other declarations: %v, want ErrIndexStale", err)
	}
	if err := in.svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := in.svc.CheckIndex(ctx); err != nil {
		t.Errorf("after a rebuild: %v", err)
	}

	// A store built before parley kept the declarations.
	old := newInstall(t)
	old.start(false)
	old.loadScenario()
	if err := old.svc.CheckIndex(ctx); !errors.Is(err, app.ErrIndexStale) {
		t.Fatalf("records without declarations: %v, want ErrIndexStale", err)
	}
	if err := old.svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := old.svc.CheckIndex(ctx); err != nil {
		t.Errorf("after a rebuild: %v", err)
	}
}
