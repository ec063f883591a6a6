// Package record defines parley's unit of truth: the append-only record
// envelope, its audience, its canonical bytes (RFC 8785 JSON) and the salted
// commitment to those bytes that the transparency log carries instead of the
// plaintext.
//
// Nothing in parley is updated in place. A change of state is a new record
// whose Refs name the record it supersedes, and the current state of anything
// is a projection of its records.
package record

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Version is the envelope schema version written into every record.
const Version = 1

// Scope says who may read a record.
type Scope string

// The audience scopes, from the widest to the narrowest.
const (
	// Public records may be read by anyone, signed in or not.
	Public Scope = "public"
	// Parties records may be read by every participant of the process:
	// principals of the mediator and of the parties, not observers.
	Parties Scope = "parties"
	// PartyMediator records may be read by one party and the mediator.
	PartyMediator Scope = "party+mediator"
	// PartyOnly records may be read by one party alone; the mediator does
	// not see them (a capital's instructions to its own delegation).
	PartyOnly Scope = "party"
	// List records may be read by an explicit list of parties.
	List Scope = "list"
)

// Audience is who may read a record. Party is set for PartyMediator and
// PartyOnly; Parties for List.
type Audience struct {
	Scope   Scope    `json:"scope"`
	Party   string   `json:"party,omitempty"`
	Parties []string `json:"parties,omitempty"`
}

var partyIDPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)

// ValidPartyID reports whether s has the form of a party identifier: a short
// lower-case slug, because party ids appear in audiences, URLs and logins.
func ValidPartyID(s string) bool { return partyIDPattern.MatchString(s) }

// Validate checks that the audience is well formed.
func (a Audience) Validate() error {
	switch a.Scope {
	case Public, Parties:
		if a.Party != "" || len(a.Parties) > 0 {
			return fmt.Errorf("audience scope %q takes no party", a.Scope)
		}
	case PartyMediator, PartyOnly:
		if !ValidPartyID(a.Party) {
			return fmt.Errorf("audience scope %q needs a party id, got %q", a.Scope, a.Party)
		}
		if len(a.Parties) > 0 {
			return fmt.Errorf("audience scope %q takes one party, not a list", a.Scope)
		}
	case List:
		if a.Party != "" {
			return fmt.Errorf("audience scope %q takes parties, not party", a.Scope)
		}
		if len(a.Parties) == 0 {
			return fmt.Errorf("audience scope %q needs at least one party", a.Scope)
		}
		for _, p := range a.Parties {
			if !ValidPartyID(p) {
				return fmt.Errorf("audience party %q is not a valid party id", p)
			}
		}
	case "":
		return errors.New("audience scope is missing")
	default:
		return fmt.Errorf("unknown audience scope %q (want public, parties, party+mediator, party or list)", a.Scope)
	}
	return nil
}

// Normalize returns the audience with its party list sorted and deduplicated,
// so that equal audiences have equal canonical bytes.
func (a Audience) Normalize() Audience {
	if len(a.Parties) > 0 {
		ps := slices.Clone(a.Parties)
		slices.Sort(ps)
		a.Parties = slices.Compact(ps)
	}
	return a
}

// Author is who committed a record: a principal acting for a party.
type Author struct {
	Principal string `json:"principal"`
	Party     string `json:"party"`
}

// Signature is an author's Ed25519 note signature over the statement of
// what a record decides (Statement), with what that statement binds beyond
// the record's kind, author and body, so that anyone can remake it from the
// record and check it with Key.
type Signature struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	// At is when the author signed.
	At time.Time `json:"at"`
	// On is the exact version of what the record decides, if anything.
	On *EntityVersion `json:"on,omitempty"`
	// Supersedes is the decision this one replaces; "" for the first.
	Supersedes string `json:"supersedes,omitempty"`
}

// Envelope is one record. Subject is the id of the thing the record creates
// or changes (a round, a session); successive records about one subject
// share it, and each names its predecessor in Refs.
type Envelope struct {
	V        int             `json:"v"`
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Subject  string          `json:"subject"`
	At       time.Time       `json:"at"`
	Author   Author          `json:"author"`
	Audience Audience        `json:"audience"`
	Refs     []string        `json:"refs,omitempty"`
	Body     json.RawMessage `json:"body"`
	Sig      *Signature      `json:"sig,omitempty"`
	// Excerpt names the body's text field that can be disclosed in part
	// (see ExcerptVersion); a record that has one is of that version.
	Excerpt string `json:"excerpt,omitempty"`
}

// NewID returns a fresh UUIDv7: random, yet ordered by creation time, so
// that ids sort the way records were made.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Canonical returns the RFC 8785 canonical JSON of the envelope. Times are
// truncated to microseconds in UTC first, the precision both stores keep.
func Canonical(e Envelope) ([]byte, error) {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Audience = e.Audience.Normalize()
	if out, ok := canonicalEnvelope(e); ok {
		return out, nil
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("couldn't encode record %s: %w", e.ID, err)
	}
	out, err := canonicalJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("couldn't canonicalize record %s: %w", e.ID, err)
	}
	return out, nil
}

// SaltSize is the length of the per-record salt: 32 random bytes, so that
// equal records make different commitments and a commitment says nothing of
// its body.
const SaltSize = 32

// NewSalt returns a fresh random salt.
func NewSalt() []byte {
	s := make([]byte, SaltSize)
	if _, err := rand.Read(s); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return s
}

// commitmentPrefix separates parley's commitments from any other use of
// SHA-256 over the same bytes.
const commitmentPrefix = "parley-record/v1\n"

// Commitment returns SHA-256("parley-record/v1\n" || salt || canonical).
func Commitment(salt, canonical []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(commitmentPrefix))
	h.Write(salt)
	h.Write(canonical)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// Sealed is an envelope together with the bytes that make it verifiable.
type Sealed struct {
	Envelope   Envelope
	Canonical  []byte
	Salt       []byte
	Commitment [sha256.Size]byte
}

// Seal computes the canonical bytes, a fresh salt and the commitment.
func Seal(e Envelope) (Sealed, error) {
	if e.Excerpt != "" {
		e.V = ExcerptVersion
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Audience = e.Audience.Normalize()
	c, err := Canonical(e)
	if err != nil {
		return Sealed{}, err
	}
	salt := NewSalt()
	sum, err := CommitmentOf(salt, c)
	if err != nil {
		return Sealed{}, err
	}
	return Sealed{Envelope: e, Canonical: c, Salt: salt, Commitment: sum}, nil
}
