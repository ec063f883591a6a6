package proof

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/transparency-dev/formats/log"
	f_note "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/record"
)

// Check is the outcome of one step of verifying a proof.
type Check struct {
	// Name says what was checked: "commitment", "leaf", "checkpoint",
	// "cosigned by <witness>", "inclusion".
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Detail says what was found, and on failure what is wrong.
	Detail string `json:"detail,omitempty"`
}

func (c Check) String() string {
	s := "ok   " + c.Name
	if !c.OK {
		s = "FAIL " + c.Name
	}
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	return s
}

// Names of the checks of VerifyProof, in order. Each witness key gets a
// check of its own, named CheckCosigned + the key's name.
const (
	CheckCommitment = "commitment"
	CheckLeaf       = "leaf"
	CheckCheckpoint = "checkpoint"
	CheckCosigned   = "cosigned by "
	CheckInclusion  = "inclusion"
	// CheckSignature is there only for a signed record (an approval).
	CheckSignature = "signature"
	// CheckExcerpt replaces CheckCommitment in the proof of an excerpt.
	CheckExcerpt = "excerpt"
	// CheckBatch follows CheckCommitment in the proof of an item of a
	// batch record.
	CheckBatch = "batch"
)

// VerifyProof checks a proof with nothing but public keys: logVKey, the
// log's verifier key, and witnessVKeys, the cosignature verifier keys of
// the witnesses the reader relies on. It returns one check per link of the
// chain from the record's bytes to the signed checkpoint, in this order:
//
//   - commitment: the salt and the canonical bytes hash to p.Commitment;
//   - leaf: p.Leaf is the leaf of that commitment, and the bytes are of
//     record p.RecordID of kind p.Kind;
//   - checkpoint: p.Checkpoint carries a valid signature by logVKey, and its
//     tree size is p.TreeSize;
//   - cosigned by <witness>: one per witness key, the checkpoint carries that
//     witness's valid cosignature;
//   - inclusion: p.Inclusion proves p.Leaf at p.LeafIndex in the tree the
//     checkpoint commits to;
//   - signature, for a signed record only (after leaf): the author's
//     signature verifies over the statement remade from the record, and
//     the check's detail says what the statement binds.
//
// The proof holds only if every check is OK. Each check tests its own link
// on the values the proof claims, and runs whether or not the others pass,
// so that a failure points at the link that is broken: bytes altered after
// the fact fail "commitment" alone, a commitment recomputed over such bytes
// fails "leaf" alone, a wrong position fails "inclusion" alone.
//
// A proof of an excerpt (p.Excerpt set) has no canonical bytes or salt:
// its "excerpt" check recomputes the commitment from the disclosed words
// and the hashes that stand for the rest of the record, and says what the
// words are of; "leaf" then checks that commitment's leaf.
func Verify(p Proof, logVKey string, witnessVKeys []string) []Check {
	var checks []Check
	if p.Excerpt != nil {
		checks = checkExcerpt(p)
		if p.Batch != nil {
			// An excerpt is of a record with a leaf of its own: a batch
			// beside it would put another record's commitment in the leaf
			// check, unchecked against the excerpt.
			checks = append(checks, Check{Name: CheckBatch, Detail: "an excerpt is not proved through a batch; the proof names one"})
		}
	} else {
		checks = []Check{checkCommitment(p)}
		if p.Batch != nil {
			checks = append(checks, checkBatch(p))
		}
		checks = append(checks, checkLeaf(p))
		if c, ok := checkSignature(p); ok {
			checks = append(checks, c)
		}
	}
	cp, c := checkCheckpoint(p, logVKey)
	checks = append(checks, c)
	for _, k := range witnessVKeys {
		checks = append(checks, checkCosigned(p.Checkpoint, k))
	}
	return append(checks, checkInclusion(p, cp))
}

// Failed returns the names of the checks that failed.
func Failed(checks []Check) []string {
	var names []string
	for _, c := range checks {
		if !c.OK {
			names = append(names, c.Name)
		}
	}
	return names
}

func checkCommitment(p Proof) Check {
	c := Check{Name: CheckCommitment}
	sum, err := record.CommitmentOf(p.Salt, p.Canonical)
	switch {
	case err != nil:
		c.Detail = fmt.Sprintf("the commitment cannot be remade: %v", err)
	case len(p.Salt) != record.SaltSize:
		c.Detail = fmt.Sprintf("the salt is %d bytes, want %d", len(p.Salt), record.SaltSize)
	case p.Commitment != hex.EncodeToString(sum[:]):
		c.Detail = fmt.Sprintf("the salt and canonical bytes hash to %x, the proof claims %s: the bytes or the salt are not the ones committed to", sum, p.Commitment)
	default:
		c.OK = true
	}
	return c
}

// checkSignature checks a signed record's signature over the statement its
// author signed, and says what that statement binds: who signed with which
// key, for which party, when, on which version of what, superseding which
// decision. ok is false for a record that is not signed.
func checkSignature(p Proof) (c Check, ok bool) {
	var env record.Envelope
	if json.Unmarshal(p.Canonical, &env) != nil || env.Sig == nil {
		return Check{}, false
	}
	c = Check{Name: CheckSignature}
	if err := record.VerifyEnvelope(env); err != nil {
		c.Detail = err.Error()
		return c, true
	}
	if err := record.CheckSignedInTime(env); err != nil {
		c.Detail = err.Error()
		return c, true
	}
	c.OK = true
	on := "on nothing else"
	if o := env.Sig.On; o != nil {
		on = fmt.Sprintf("on %s %s as of record %s (commitment %x)", o.Kind, o.ID, o.Record, o.Commitment)
	}
	sup := "the first decision of its chain"
	if env.Sig.Supersedes != "" {
		sup = "superseding decision " + env.Sig.Supersedes
	}
	c.Detail = fmt.Sprintf("signed with key %s by principal %s for party %s at %s, %s, %s",
		env.Sig.Key, env.Author.Principal, env.Author.Party, env.Sig.At.UTC().Format(record.TimeLayout), on, sup)
	return c, true
}

func checkLeaf(p Proof) Check {
	var env record.Envelope
	if err := json.Unmarshal(p.Canonical, &env); err != nil {
		return Check{Name: CheckLeaf, Detail: fmt.Sprintf("the canonical bytes are not a record: %v", err)}
	}
	claimed := p.Commitment
	if p.Batch != nil {
		// The batch's leaf carries the item: checkBatch ties the two.
		claimed = p.Batch.Commitment
	}
	return checkLeafOf(p, env, claimed)
}

// checkExcerpt checks a proof of an excerpt: the disclosed words and the
// hashes of the rest remake the commitment the proof claims, whose leaf
// the proof carries.
func checkExcerpt(p Proof) []Check {
	c := Check{Name: CheckExcerpt}
	d, err := record.CheckExcerpt(*p.Excerpt)
	if err != nil {
		c.Detail = err.Error()
		return []Check{c, {Name: CheckLeaf, Detail: "there is no commitment to check: the excerpt does not check"}}
	}
	x, e := p.Excerpt, d.Envelope
	if got := hex.EncodeToString(d.Commitment[:]); got != p.Commitment {
		c.Detail = fmt.Sprintf("the excerpt hashes to commitment %s, the proof claims %s", got, p.Commitment)
	} else {
		c.OK = true
		c.Detail = fmt.Sprintf("%q is words %d to %d of %d of the field %q of %s record %s, written by principal %s of party %s at %s",
			x.Text(), x.Begin+1, x.Begin+uint64(len(x.Segments)), x.Total, e.Excerpt, e.Kind, e.ID,
			e.Author.Principal, e.Author.Party, e.At.UTC().Format(record.TimeLayout))
	}
	return []Check{c, checkLeafOf(p, e, p.Commitment)}
}

// checkBatch checks that the record is an item of the batch record the
// proof names, at the place it says, and that the batch record's bytes
// and salt make the commitment whose leaf the proof carries.
func checkBatch(p Proof) Check {
	c := Check{Name: CheckBatch}
	b := p.Batch
	sum := record.Commitment(b.Salt, b.Canonical)
	benv, err := record.CheckInBatch(p.Salt, p.Canonical, b.Place, b.Canonical)
	switch {
	case err != nil:
		c.Detail = err.Error()
	case benv.ID != b.RecordID:
		c.Detail = fmt.Sprintf("the batch's bytes are of record %s, the proof claims %s", benv.ID, b.RecordID)
	case len(b.Salt) != record.SaltSize:
		c.Detail = fmt.Sprintf("the batch's salt is %d bytes, want %d", len(b.Salt), record.SaltSize)
	case b.Commitment != hex.EncodeToString(sum[:]):
		c.Detail = fmt.Sprintf("the batch's salt and bytes hash to %x, the proof claims %s", sum, b.Commitment)
	default:
		c.OK = true
		c.Detail = fmt.Sprintf("item %d of %d of batch %s", b.Place.Index+1, b.Place.Size, b.RecordID)
	}
	return c
}

// checkLeafOf checks that p's leaf is that of the commitment claimed, and
// that the record the proof is of is env.
func checkLeafOf(p Proof, env record.Envelope, claimed string) Check {
	c := Check{Name: CheckLeaf}
	commitment, err := hex.DecodeString(claimed)
	if err != nil {
		c.Detail = fmt.Sprintf("the commitment %q is not hex", claimed)
		return c
	}
	want := record.Leaf(commitment)
	switch {
	case env.Kind != p.Kind:
		c.Detail = fmt.Sprintf("the bytes are of a %s record, the proof claims %s", env.Kind, p.Kind)
	case env.ID != p.RecordID:
		c.Detail = fmt.Sprintf("the bytes are of record %s, the proof claims %s", env.ID, p.RecordID)
	case p.Leaf != string(want):
		c.Detail = fmt.Sprintf("the leaf of this commitment is %q, the proof's leaf is %q", want, p.Leaf)
	default:
		c.OK = true
		c.Detail = p.Leaf
	}
	return c
}

func checkCheckpoint(p Proof, logVKey string) (*log.Checkpoint, Check) {
	c := Check{Name: CheckCheckpoint}
	cp, _, err := ledger.VerifyCheckpoint([]byte(p.Checkpoint), logVKey, nil)
	if err != nil {
		c.Detail = err.Error()
		// Inclusion is a matter of hashes alone: it is checked against
		// the tree the checkpoint claims even when no signature vouches
		// for it, so that a bad signature fails this check only.
		var unsigned log.Checkpoint
		if _, uerr := unsigned.Unmarshal([]byte(p.Checkpoint)); uerr == nil {
			return &unsigned, c
		}
		return nil, c
	}
	if cp.Size != p.TreeSize {
		c.Detail = fmt.Sprintf("the checkpoint is of a tree of %d entries, the proof claims %d", cp.Size, p.TreeSize)
		return cp, c
	}
	c.OK = true
	c.Detail = fmt.Sprintf("%s, %d entries, signed by the log's key", cp.Origin, cp.Size)
	return cp, c
}

// checkCosigned checks one witness's cosignature, independently of the log's
// signature.
func checkCosigned(checkpoint, key string) Check {
	v, err := f_note.NewVerifierForCosignatureV1(key)
	if err != nil {
		return Check{Name: CheckCosigned + key, Detail: fmt.Sprintf("not a witness key: %v", err)}
	}
	c := Check{Name: CheckCosigned + v.Name()}
	n, err := note.Open([]byte(checkpoint), note.VerifierList(v))
	var unverified *note.UnverifiedNoteError
	switch {
	case errors.As(err, &unverified):
		c.Detail = fmt.Sprintf("the checkpoint carries no cosignature by %s+%08x", v.Name(), v.KeyHash())
	case err != nil:
		c.Detail = fmt.Sprintf("the checkpoint's cosignature by %s does not verify: %v", v.Name(), err)
	case !slices.ContainsFunc(n.Sigs, func(s note.Signature) bool { return s.Name == v.Name() && s.Hash == v.KeyHash() }):
		c.Detail = fmt.Sprintf("the checkpoint carries no cosignature by %s+%08x", v.Name(), v.KeyHash())
	default:
		c.OK = true
		if t, err := f_note.CoSigV1Timestamp(n.Sigs[0]); err == nil {
			c.Detail = "at " + t.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	return c
}

func checkInclusion(p Proof, cp *log.Checkpoint) Check {
	c := Check{Name: CheckInclusion}
	if cp == nil {
		c.Detail = "the checkpoint cannot be read, so there is no tree to check against"
		return c
	}
	if err := ledger.VerifyInclusion([]byte(p.Leaf), p.LeafIndex, p.Inclusion, cp); err != nil {
		c.Detail = err.Error()
		return c
	}
	c.OK = true
	c.Detail = fmt.Sprintf("entry %d of %d", p.LeafIndex, cp.Size)
	return c
}
