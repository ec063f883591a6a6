package ledger

import (
	"errors"
	"fmt"

	"github.com/transparency-dev/formats/log"
	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// VerifyCheckpoint checks a checkpoint as a reader of the log does, with
// nothing but public keys: it must carry a valid signature by logVKey, and
// its origin must be logVKey's name. It returns the checkpoint and the
// members of witnessVKeys (cosignature/v1 keys, or the Ed25519 keys they were
// made from) whose valid cosignature it carries, in the order given; the
// caller decides whether that meets its quorum. Signatures by other keys are
// ignored, but a signature that claims a given key and does not verify is an
// error.
func VerifyCheckpoint(raw []byte, logVKey string, witnessVKeys []string) (cp *log.Checkpoint, cosignedBy []string, err error) {
	logV, err := note.NewVerifier(logVKey)
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't parse log key %q: %w", logVKey, err)
	}
	vs := []note.Verifier{logV}
	for _, k := range witnessVKeys {
		v, err := f_note.NewVerifierForCosignatureV1(k)
		if err != nil {
			return nil, nil, fmt.Errorf("couldn't parse witness key %q: %w", k, err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open(raw, note.VerifierList(vs...))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return nil, nil, fmt.Errorf("couldn't verify checkpoint: it has no valid signature by log key %s+%08x (signed by %s)", logV.Name(), logV.KeyHash(), signerNames(unverified.Note.UnverifiedSigs))
		}
		return nil, nil, fmt.Errorf("couldn't verify checkpoint: %w", err)
	}
	signed := func(v note.Verifier) bool {
		for _, s := range n.Sigs {
			if s.Name == v.Name() && s.Hash == v.KeyHash() {
				return true
			}
		}
		return false
	}
	if !signed(logV) {
		return nil, nil, fmt.Errorf("couldn't verify checkpoint: it has no signature by log key %s+%08x (signed by %s)", logV.Name(), logV.KeyHash(), signerNames(append(n.Sigs, n.UnverifiedSigs...)))
	}
	// The log signature is there: parse and check the origin with the
	// ecosystem's own parser.
	cp, _, _, err = log.ParseCheckpoint(raw, logV.Name(), logV)
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't verify checkpoint: %w", err)
	}
	for i, k := range witnessVKeys {
		if signed(vs[i+1]) {
			cosignedBy = append(cosignedBy, k)
		}
	}
	return cp, cosignedBy, nil
}

func signerNames(sigs []note.Signature) string {
	if len(sigs) == 0 {
		return "nobody"
	}
	s := ""
	for i, sig := range sigs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s+%08x", sig.Name, sig.Hash)
	}
	return s
}

// VerifyInclusion checks that leaf is the entry at index of the tree cp
// commits to (RFC 6962 hashing), given the proof from InclusionProof at
// cp.Size. Check cp with VerifyCheckpoint first.
func VerifyInclusion(leaf []byte, index uint64, p [][]byte, cp *log.Checkpoint) error {
	if cp == nil {
		return errors.New("couldn't verify inclusion: no checkpoint")
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, cp.Size, rfc6962.DefaultHasher.HashLeaf(leaf), p, cp.Hash); err != nil {
		return fmt.Errorf("couldn't verify inclusion of entry %d in %s at size %d: %w", index, cp.Origin, cp.Size, err)
	}
	return nil
}

// VerifyConsistency checks that the tree older commits to is a prefix of the
// tree newer commits to, given the proof from ConsistencyProof(older.Size,
// newer.Size). Both checkpoints must be of the same log: a failure means the
// log forked. Check both with VerifyCheckpoint first.
func VerifyConsistency(older, newer *log.Checkpoint, p [][]byte) error {
	if older == nil || newer == nil {
		return errors.New("couldn't verify consistency: missing checkpoint")
	}
	if older.Origin != newer.Origin {
		return fmt.Errorf("couldn't verify consistency: the checkpoints are of %q and %q", older.Origin, newer.Origin)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, older.Size, newer.Size, p, older.Hash, newer.Hash); err != nil {
		return fmt.Errorf("couldn't verify consistency of %s from size %d to %d: %w", older.Origin, older.Size, newer.Size, err)
	}
	return nil
}
