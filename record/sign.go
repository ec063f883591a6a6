package record

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Records that must be attributable (a capital's approval) carry their
// author's signature over a statement of what they decide. A signature over
// the body alone could be replayed: posted twice, or an old "approved"
// posted again after a "rejected". So the statement binds, besides the kind
// and the body, who signs for which party, the exact version of what is
// decided (the record id and commitment of the aspect as the author read
// it), the decision it supersedes (none for the first), and when it was
// signed. parley accepts a statement only shortly after it was signed, only
// while what it decides is unchanged, and only if it supersedes the latest
// decision of that party on that thing; each decision can be superseded
// once, so the decisions form one chain and no statement is used twice.
//
// The statement is a C2SP signed note, so anyone can check it with the
// author's public key and the note libraries:
//
//	parley-signed/v2
//	kind talks.approval
//	party ua
//	signer <principal id>
//	on talks.aspect <id> <record id> <base64 commitment>
//	supersedes <record id>
//	at 2026-01-23T10:00:00.000000Z
//	<RFC 8785 canonical JSON of the body>
//
// "on none" and "supersedes none" stand for no such thing. The envelope
// keeps what the statement binds (Signature.At, On and Supersedes) beside
// the signature, so the statement is remade from the record alone.

const statementHeader = "parley-signed/v2"

// StatementLifetime is how long after signing a statement is accepted. It
// is short because a statement held back and submitted later would speak
// for a capital about a moment that has passed; signing again is cheap.
const StatementLifetime = 10 * time.Minute

// StatementSkew is how far in the future a statement's time may be: the
// signer's clock may run a little ahead of the server's.
const StatementSkew = time.Minute

// TimeLayout is how a statement writes its time: UTC, to the microsecond,
// the precision records keep.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// EntityVersion names one version of an entity: its kind and id, the record that
// made that version and the record's commitment.
type EntityVersion struct {
	Kind       string `json:"kind"`
	ID         string `json:"id"`
	Record     string `json:"record"`
	Commitment []byte `json:"commitment"`
}

// Statement is what an author signs.
type Statement struct {
	Kind string
	// Party is the party the author decides for; Signer the author's
	// principal id.
	Party  string
	Signer string
	// On is the exact version of what is decided, or nil for a kind that
	// decides on nothing else.
	On *EntityVersion
	// Supersedes is the record id of the decision this one replaces, ""
	// for the first.
	Supersedes string
	At         time.Time
	// Body is the record's body; Text writes it in canonical form.
	Body json.RawMessage
}

// Chain names the sequence of decisions a statement belongs to: one party's
// decisions of one kind on one thing. Each decision in a chain supersedes
// the one before, so its latest is the one nothing supersedes.
func (s Statement) Chain() string {
	on := "-"
	if s.On != nil {
		on = s.On.Kind + "/" + s.On.ID
	}
	return s.Kind + " " + on + " " + s.Party
}

// token checks that a statement's field fits on its line as one word.
func token(name, v string) error {
	if v == "" {
		return fmt.Errorf("the statement's %s is empty", name)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("the statement's %s %q holds a space or a control character", name, v)
	}
	return nil
}

// Text is the note text an author signs.
func (s Statement) Text() (string, error) {
	canon, err := CanonicalJSON(s.Body)
	if err != nil {
		return "", fmt.Errorf("couldn't canonicalize the body: %w", err)
	}
	if bytes.ContainsAny(canon, "\n") {
		// RFC 8785 escapes newlines inside strings, so this cannot happen;
		// the note format depends on it.
		return "", errors.New("canonical body holds a newline")
	}
	if err := errors.Join(token("kind", s.Kind), token("party", s.Party), token("signer", s.Signer)); err != nil {
		return "", err
	}
	on := "none"
	if s.On != nil {
		if err := errors.Join(token("on kind", s.On.Kind), token("on id", s.On.ID), token("on record", s.On.Record)); err != nil {
			return "", err
		}
		if len(s.On.Commitment) == 0 {
			return "", errors.New("the statement's on commitment is empty")
		}
		on = s.On.Kind + " " + s.On.ID + " " + s.On.Record + " " + base64.StdEncoding.EncodeToString(s.On.Commitment)
	}
	sup := "none"
	if s.Supersedes != "" {
		if err := token("supersedes", s.Supersedes); err != nil {
			return "", err
		}
		sup = s.Supersedes
	}
	if s.At.IsZero() {
		return "", errors.New("the statement's time is missing")
	}
	var b strings.Builder
	for _, line := range []string{
		statementHeader,
		"kind " + s.Kind,
		"party " + s.Party,
		"signer " + s.Signer,
		"on " + on,
		"supersedes " + sup,
		"at " + s.At.UTC().Format(TimeLayout),
		string(canon),
	} {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// ParseStatement reads a statement's text, as Text writes it. It refuses
// anything Text could not have written, so a text has one reading.
func ParseStatement(text string) (Statement, error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 9 || lines[8] != "" {
		return Statement{}, fmt.Errorf("a statement is 8 lines, each ending in a newline, starting %q", statementHeader)
	}
	if lines[0] != statementHeader {
		return Statement{}, fmt.Errorf("line 1: want %q, got %q", statementHeader, lines[0])
	}
	field := func(n int, name string) (string, error) {
		v, ok := strings.CutPrefix(lines[n-1], name+" ")
		if !ok {
			return "", fmt.Errorf("line %d: want %q followed by a value, got %q", n, name, lines[n-1])
		}
		return v, nil
	}
	var s Statement
	var errs []error
	get := func(n int, name string) string {
		v, err := field(n, name)
		errs = append(errs, err)
		return v
	}
	s.Kind, s.Party, s.Signer = get(2, "kind"), get(3, "party"), get(4, "signer")
	on, sup, at := get(5, "on"), get(6, "supersedes"), get(7, "at")
	if err := errors.Join(errs...); err != nil {
		return Statement{}, err
	}
	if on != "none" {
		f := strings.Split(on, " ")
		if len(f) != 4 {
			return Statement{}, fmt.Errorf(`line 5: want "on <kind> <id> <record> <commitment>" or "on none", got %q`, lines[4])
		}
		c, err := base64.StdEncoding.Strict().DecodeString(f[3])
		if err != nil {
			return Statement{}, fmt.Errorf("line 5: the commitment is not base64: %w", err)
		}
		s.On = &EntityVersion{Kind: f[0], ID: f[1], Record: f[2], Commitment: c}
	}
	if sup != "none" {
		s.Supersedes = sup
	}
	t, err := time.Parse(TimeLayout, at)
	if err != nil {
		return Statement{}, fmt.Errorf("line 7: the time must be UTC to the microsecond, like %s: %w", TimeLayout, err)
	}
	s.At = t
	s.Body = json.RawMessage(lines[7])
	again, err := s.Text()
	if err != nil {
		return Statement{}, err
	}
	if again != text {
		return Statement{}, errors.New("the statement is not in canonical form (its body must be RFC 8785 JSON, each field one word)")
	}
	return s, nil
}

// StatementOf remakes the statement a signed envelope's author signed.
func StatementOf(e Envelope) (Statement, error) {
	if e.Sig == nil {
		return Statement{}, fmt.Errorf("record %s is not signed", e.ID)
	}
	return Statement{
		Kind: e.Kind, Party: e.Author.Party, Signer: e.Author.Principal,
		On: e.Sig.On, Supersedes: e.Sig.Supersedes, At: e.Sig.At, Body: e.Body,
	}, nil
}

// Sign signs a statement with an author's note key.
func Sign(s note.Signer, vkey string, st Statement) (Signature, error) {
	text, err := st.Text()
	if err != nil {
		return Signature{}, err
	}
	signed, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		return Signature{}, fmt.Errorf("couldn't sign: %w", err)
	}
	line := strings.TrimSuffix(string(signed[len(text)+1:]), "\n")
	sig, err := SignatureFromLine(vkey, line)
	if err != nil {
		return Signature{}, err
	}
	sig.Bind(st)
	return sig, nil
}

// Bind copies into the signature what the statement binds beyond the
// record's own kind, author and body.
func (sig *Signature) Bind(st Statement) {
	sig.At = st.At.UTC().Truncate(time.Microsecond)
	sig.On = st.On
	sig.Supersedes = st.Supersedes
}

// SignatureFromLine makes a Signature from a note signature line
// ("— name base64") and the signer's verifier key.
func SignatureFromLine(vkey, line string) (Signature, error) {
	line = strings.TrimSpace(line)
	rest, ok := strings.CutPrefix(line, "— ")
	if !ok {
		return Signature{}, errors.New(`a signature line starts with "— " (an em dash and a space)`)
	}
	name, value, ok := strings.Cut(rest, " ")
	if !ok || name == "" || value == "" {
		return Signature{}, errors.New("a signature line is \"— <key name> <base64 signature>\"")
	}
	if keyName, _, _ := strings.Cut(vkey, "+"); keyName != name {
		return Signature{}, fmt.Errorf("the signature is by key %q, not by the registered key %q", name, keyName)
	}
	return Signature{Key: vkey, Value: value}, nil
}

// VerifyStatement checks that sig signs the statement.
func VerifyStatement(sig Signature, st Statement) error {
	v, err := note.NewVerifier(sig.Key)
	if err != nil {
		return fmt.Errorf("the signing key %q is not a note verifier key: %w", sig.Key, err)
	}
	text, err := st.Text()
	if err != nil {
		return err
	}
	msg := text + "\n— " + v.Name() + " " + sig.Value + "\n"
	if _, err := note.Open([]byte(msg), note.VerifierList(v)); err != nil {
		return fmt.Errorf("the signature does not verify with key %s: %w", v.Name(), err)
	}
	return nil
}

// CheckSignedInTime checks that a signed envelope was committed within
// StatementLifetime of its statement's time (and not more than
// StatementSkew before it): a statement held back, or dated ahead, speaks
// of another moment than the record's.
func CheckSignedInTime(e Envelope) error {
	if e.Sig == nil {
		return fmt.Errorf("record %s is not signed", e.ID)
	}
	if d := e.At.Sub(e.Sig.At); d < -StatementSkew || d > StatementLifetime {
		return fmt.Errorf("the statement was signed at %s and the record committed at %s, not within %s: it was held back, or dated ahead",
			e.Sig.At.UTC().Format(TimeLayout), e.At.UTC().Format(TimeLayout), StatementLifetime)
	}
	return nil
}

// VerifyEnvelope checks a signed envelope's signature over the statement
// its author signed, remade from the envelope.
func VerifyEnvelope(e Envelope) error {
	st, err := StatementOf(e)
	if err != nil {
		return err
	}
	return VerifyStatement(*e.Sig, st)
}
