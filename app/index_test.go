package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/store"
)

// TestCheckIndex: a store records the kinds' declarations its entities
// were built under; other declarations are ErrIndexStale, until a rebuild
// builds the entities anew and records this build's.
func TestCheckIndex(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(false)
	in.loadScenario()
	if err := in.svc.CheckIndex(ctx); err != nil {
		t.Fatalf("a store that records no declarations: %v", err)
	}
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
}
