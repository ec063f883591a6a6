package ledger

import (
	"bytes"
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// InclusionProof returns the proof that the entry at index is in the tree of
// the given size. size must be that of a published checkpoint: the latest one
// or an earlier one. (Between published sizes the tiles a proof needs may not
// exist.) Check the result with VerifyInclusion against that checkpoint.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if err := l.checkPublished(ctx, size); err != nil {
		return nil, fmt.Errorf("couldn't build inclusion proof for entry %d: %w", index, err)
	}
	if index >= size {
		return nil, fmt.Errorf("couldn't build inclusion proof: entry %d is not in a tree of size %d", index, size)
	}
	pb, err := client.NewProofBuilder(ctx, size, l.reader.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("couldn't build inclusion proof for entry %d at size %d: %w", index, size, err)
	}
	p, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("couldn't build inclusion proof for entry %d at size %d: %w", index, size, err)
	}
	return p, nil
}

// ConsistencyProof returns the proof that the tree of size from is a prefix of
// the tree of size to. to must be a published size (see InclusionProof); from
// is typically a size a reader or witness has seen before. Check the result
// with VerifyConsistency.
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	if err := l.checkPublished(ctx, to); err != nil {
		return nil, fmt.Errorf("couldn't build consistency proof from %d to %d: %w", from, to, err)
	}
	if from > to {
		return nil, fmt.Errorf("couldn't build consistency proof: size %d is larger than %d", from, to)
	}
	pb, err := client.NewProofBuilder(ctx, to, l.reader.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("couldn't build consistency proof from %d to %d: %w", from, to, err)
	}
	p, err := pb.ConsistencyProof(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("couldn't build consistency proof from %d to %d: %w", from, to, err)
	}
	return p, nil
}

func (l *Log) checkPublished(ctx context.Context, size uint64) error {
	cp, _, err := l.published(ctx)
	if err != nil {
		return err
	}
	if size > cp.Size {
		return fmt.Errorf("size %d: %w (published size %d)", size, ErrNotPublished, cp.Size)
	}
	return nil
}

// ReadLeaves calls fn with each entry in [from, to), in index order, reading
// the entry bundles directly. Unlike proofs it may read past the published
// size, up to IntegratedSize: recovery uses it to find leaves that became
// durable while the process that appended them died, and audits use it to
// reread the whole log. Each entry is checked against its leaf hash in the
// level-0 tile, so a corrupt bundle is an error rather than a wrong leaf.
// fn may keep leaf; an error from fn stops the reading and is returned.
func (l *Log) ReadLeaves(ctx context.Context, from, to uint64, fn func(index uint64, leaf []byte) error) error {
	size, err := l.IntegratedSize(ctx)
	if err != nil {
		return err
	}
	if from > to || to > size {
		return fmt.Errorf("couldn't read entries [%d, %d): the log has %d integrated entries", from, to, size)
	}
	for ri := range layout.Range(from, to-from, size) {
		raw, err := l.reader.ReadEntryBundle(ctx, ri.Index, ri.Partial)
		if err != nil {
			return fmt.Errorf("couldn't read entry bundle %d: %w", ri.Index, err)
		}
		var bundle api.EntryBundle
		if err := bundle.UnmarshalText(raw); err != nil {
			return fmt.Errorf("couldn't parse entry bundle %d: %w", ri.Index, err)
		}
		rawTile, err := l.reader.ReadTile(ctx, 0, ri.Index, ri.Partial)
		if err != nil {
			return fmt.Errorf("couldn't read tile 0/%d: %w", ri.Index, err)
		}
		var tile api.HashTile
		if err := tile.UnmarshalText(rawTile); err != nil {
			return fmt.Errorf("couldn't parse tile 0/%d: %w", ri.Index, err)
		}
		end := ri.First + ri.N
		if uint(len(bundle.Entries)) < end || uint(len(tile.Nodes)) < end {
			return fmt.Errorf("couldn't read entries of bundle %d: want %d, the bundle has %d and its tile %d", ri.Index, end, len(bundle.Entries), len(tile.Nodes))
		}
		for i := ri.First; i < end; i++ {
			index := ri.Index*layout.EntryBundleWidth + uint64(i)
			leaf := bundle.Entries[i]
			if !bytes.Equal(rfc6962.DefaultHasher.HashLeaf(leaf), tile.Nodes[i]) {
				return fmt.Errorf("couldn't read entry %d: it does not match its leaf hash in tile 0/%d", index, ri.Index)
			}
			if err := fn(index, leaf); err != nil {
				return err
			}
		}
	}
	return nil
}
