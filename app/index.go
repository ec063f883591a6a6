package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-project/parley/store"
)

// indexMetaKey is the setting under which the store keeps the digest of
// the kinds' declarations its entities were built under.
const indexMetaKey = "index-declarations"

// ErrIndexStale: the store's entities were built under other declarations
// of the kinds than this build's (a kind indexes other fields): lists and
// the audit would read them wrong until they are rebuilt.
var ErrIndexStale = errors.New("the entities were built under other declarations of the kinds than this build's")

// indexDeclarations digests what the generic index keeps of each kind's
// entities: what entityOf reads of the kind.
func (s *Service) indexDeclarations() string {
	type decl struct {
		Name, ID, Parent, Owner, Status, Time string
		// Index holds each index field's name and type (a list is
		// indexed by each value), in the order of the names.
		Index               []string
		BindsParent, Signed bool
	}
	var ds []decl
	for _, k := range s.reg.Kinds() {
		var index []string
		for _, name := range k.IndexFields {
			f, _ := k.Field(name)
			index = append(index, name+" "+string(f.Type))
		}
		slices.Sort(index)
		ds = append(ds, decl{k.Name, k.IDField, k.ParentField, k.OwnerField, k.StatusField, k.TimeField, index, k.BindsParent, k.Signed})
	}
	slices.SortFunc(ds, func(a, b decl) int { return strings.Compare(a.Name, b.Name) })
	b, _ := json.Marshal(ds)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CheckIndex returns ErrIndexStale when the store's entities were built
// under other declarations of the kinds than this build's; parley migrate
// rebuilds them. A store without records, and so without entities, is this
// build's, and the declarations are recorded; one with records that records
// none was built before parley kept them, and is rebuilt once.
func (s *Service) CheckIndex(ctx context.Context) error {
	want := s.indexDeclarations()
	got, err := s.store.Meta(ctx, indexMetaKey)
	if errors.Is(err, store.ErrNotFound) {
		n, err := s.store.LastSeq(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return s.recordIndex(ctx, want)
		}
		return fmt.Errorf("%w: the store does not say which (it was built before parley kept them); run parley migrate, which rebuilds them", ErrIndexStale)
	} else if err != nil {
		return err
	}
	if !bytes.Equal(got, []byte(want)) {
		return fmt.Errorf("%w: run parley migrate, which rebuilds them", ErrIndexStale)
	}
	return nil
}

func (s *Service) recordIndex(ctx context.Context, digest string) error {
	return s.store.Write(ctx, func(tx store.Tx) error { return tx.SetMeta(ctx, indexMetaKey, []byte(digest)) })
}
