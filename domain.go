package parley

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Domain is one part of the process, declared to the kernel.
type Domain interface {
	// Name is the domain's name, the prefix of its kinds' names ("talks").
	Name() string
	// Kinds lists the domain's kinds, in the order the API documents them.
	Kinds() []Kind
	// Roles lists the roles the domain's kinds are written by, beyond
	// those the kernel knows (access.Roles); nil for none.
	Roles() []access.Role
}

// WithInvariants is a Domain that declares rules between records.
type WithInvariants interface {
	Invariants() []Invariant
}

// Invariant is a rule that holds between an entity of Kind and others: a
// uniqueness (one delegation of a party to a round) or a cross-record rule.
// The kernel calls it on every write of Kind, inside the write's
// transaction, with the facts it asked for loaded as the writer may see
// them, so that a refusal reveals nothing the writer could not see anyway.
type Invariant struct {
	// Kind is the kind whose writes the rule checks.
	Kind string
	// Name says what the rule is, in a few words, for the docs.
	Name string
	// Needs says which entities the rule must see to decide about e, whose
	// id is subject (the entity's children are those whose parent it is).
	Needs func(e Entity, subject string) []Need
	// More, if set, says which further entities the rule must see, given
	// the facts loaded so far (a rule that reads the incidents of the
	// phase in force learns which phase that is first): their facts are
	// appended to facts, in order, and More is asked again, until it asks
	// for nothing.
	More func(e Entity, subject string, facts [][]Fact) []Need
	// Check decides. facts[i] holds the entities that answer Needs(e)[i];
	// subject is the id of the entity being written ("" for a new one
	// whose id is not chosen yet), so that an update does not conflict
	// with the entity it replaces. A refusal is a *FieldError or a
	// *ConflictError.
	Check func(e Entity, subject string, facts [][]Fact) error
}

// Need is a list of entities an invariant must see: every entity of Kind
// (under Parent, if set) whose fields named in Fields have those values;
// or, with ID set, that one entity alone (none if the writer may not see
// it).
type Need struct {
	Kind   string
	Parent string
	Fields map[string]string
	ID     string
	// From, when set, keeps only the entities whose time (their kind's
	// TimeField) is at or after it: a rule about the last days reads
	// those days, not the years before. Until, when set, keeps only those
	// whose time is before it: a rule about a month reads that month, not
	// the years after.
	From, Until time.Time
}

// Fact is one entity loaded for an invariant.
type Fact struct {
	ID string
	// RecordID is the entity's latest record: a rule that binds a version
	// (a confirmation of a clause as it reads now) compares it.
	RecordID string
	// On is, for a decision, the record id of the version of its parent
	// it was made on (OnField).
	On string
	// Seq is the entity's place in the order records were committed (its
	// first record's): decisions of several kinds are ordered by it.
	Seq int64
	// Created is when its first record was committed, Changed when its
	// latest was: a rule about time (a phase in force from its last
	// consent, a verification that stood until its incident changed)
	// reads them.
	Created, Changed time.Time
	Entity           Entity
	// Body is the entity's body as committed: a rule reading another
	// domain's kind, whose Go type it does not know, reads it.
	Body json.RawMessage
}

// ConflictError is a refusal because something exists already: the API
// answers it with 409, where a FieldError is 422.
type ConflictError struct {
	Field   string
	Message string
	// Format and Args are what Message was made of, as FieldError's.
	Format string
	Args   []any
}

func (e *ConflictError) Error() string { return e.Field + ": " + e.Message }

// Conflictf returns a ConflictError for field.
func Conflictf(field, format string, args ...any) error {
	return &ConflictError{Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Unique declares that no two entities of kind share their values of
// fields. An empty value takes part like any other.
func Unique(kind Kind, fields ...string) Invariant {
	values := func(e Entity) map[string]string {
		body, err := json.Marshal(e)
		if err != nil {
			return nil
		}
		var m map[string]json.RawMessage
		json.Unmarshal(body, &m)
		out := make(map[string]string, len(fields))
		for _, f := range fields {
			var s string
			json.Unmarshal(m[f], &s)
			out[f] = s
		}
		return out
	}
	return Invariant{
		Kind: kind.Name,
		Name: fmt.Sprintf("one %s per %s", kind.Title, strings.Join(fields, " and ")),
		Needs: func(e Entity, _ string) []Need {
			return []Need{{Kind: kind.Name, Fields: values(e)}}
		},
		Check: func(e Entity, subject string, facts [][]Fact) error {
			for _, f := range facts[0] {
				if f.ID != subject {
					var parts []string
					for _, name := range fields {
						parts = append(parts, fmt.Sprintf("%s %q", name, values(e)[name]))
					}
					return Conflictf(fields[len(fields)-1], "a %s with %s exists already (%s); change that one instead",
						kind.Title, strings.Join(parts, " and "), f.ID)
				}
			}
			return nil
		},
	}
}

// PartyEntity is implemented by the entities of the one kind that are the
// parties of the process. The kernel needs the parties themselves, not the
// domain that keeps them: audiences name them, and what a principal sees
// depends on its party's part in the process.
type PartyEntity interface {
	Entity
	PartyID() string
	ProcessRole() access.ProcessRole
}

// Registry is the set of domains an installation runs. It is built once, in
// the binary's wiring, and handed to every part of the kernel.
type Registry struct {
	domains      []Domain
	kinds        []Kind
	byName       map[string]int
	byCollection map[string]int
	invariants   map[string][]Invariant
	party        int
	roles        []access.Role
	projections  []Projection
	// projectionsOf holds each domain's projections, by domain name.
	projectionsOf map[string][]Projection
}

// NewRegistry checks the domains' declarations against each other and
// returns their registry. Exactly one kind must be the parties' (its
// entities implement PartyEntity).
func NewRegistry(domains ...Domain) (*Registry, error) {
	r := &Registry{byName: map[string]int{}, byCollection: map[string]int{}, invariants: map[string][]Invariant{}, party: -1,
		projectionsOf: map[string][]Projection{}}
	r.roles = slices.Clone(access.Roles)
	seen := map[string]bool{}
	var errs []error
	for _, d := range domains {
		if d.Name() == "parley" {
			// The kernel's own records (record.BatchKind) are named so.
			errs = append(errs, errors.New(`domain name "parley" is the kernel's`))
			continue
		}
		if seen[d.Name()] {
			errs = append(errs, fmt.Errorf("domain %q is registered twice", d.Name()))
			continue
		}
		seen[d.Name()] = true
		r.domains = append(r.domains, d)
		for _, role := range d.Roles() {
			if !slices.Contains(r.roles, role) {
				r.roles = append(r.roles, role)
			}
		}
		for _, k := range d.Kinds() {
			if err := checkKind(d, k); err != nil {
				errs = append(errs, err)
				continue
			}
			if _, dup := r.byName[k.Name]; dup {
				errs = append(errs, fmt.Errorf("kind %q is declared twice", k.Name))
				continue
			}
			if _, dup := r.byCollection[k.Collection]; dup {
				errs = append(errs, fmt.Errorf("kind %q: collection %q is taken", k.Name, k.Collection))
				continue
			}
			r.byName[k.Name] = len(r.kinds)
			r.byCollection[k.Collection] = len(r.kinds)
			if _, ok := k.New().(PartyEntity); ok {
				if r.party >= 0 {
					errs = append(errs, fmt.Errorf("kinds %q and %q both declare the parties", r.kinds[r.party].Name, k.Name))
				}
				r.party = len(r.kinds)
			}
			r.kinds = append(r.kinds, k)
		}
		if wi, ok := d.(WithInvariants); ok {
			for _, inv := range wi.Invariants() {
				r.invariants[inv.Kind] = append(r.invariants[inv.Kind], inv)
			}
		}
		if wp, ok := d.(WithProjections); ok {
			for _, p := range wp.Projections() {
				if err := checkProjection(d, p); err != nil {
					errs = append(errs, err)
					continue
				}
				r.projections = append(r.projections, p)
				r.projectionsOf[d.Name()] = append(r.projectionsOf[d.Name()], p)
			}
		}
	}
	errs = append(errs, checkProjectionsTogether(r)...)
	for _, k := range r.kinds {
		for _, f := range allFields(k.Fields) {
			if f.Type == Ref {
				if _, ok := r.byName[f.Ref]; !ok {
					errs = append(errs, fmt.Errorf("kind %q: field %q refers to kind %q, which no domain declares", k.Name, f.Name, f.Ref))
				}
			}
		}
	}
	for _, k := range r.kinds {
		if x := k.ExcerptOf; x != nil {
			of, _ := k.Field(x.Origin)
			words, ok := k.Field(x.Words)
			origin, _ := r.Kind(of.Ref)
			if of.Type != Ref || !ok || (words.Type != Text && words.Type != String) || origin.Excerpt == "" {
				errs = append(errs, fmt.Errorf("kind %q: ExcerptOf needs a Ref field to a kind with an Excerpt field and a text field of words", k.Name))
			}
		}
	}
	for kind, invs := range r.invariants {
		if _, ok := r.byName[kind]; !ok {
			errs = append(errs, fmt.Errorf("invariant %q is of kind %q, which no domain declares", invs[0].Name, kind))
		}
	}
	if r.party < 0 && len(r.kinds) > 0 {
		errs = append(errs, errors.New("no kind declares the parties of the process (its entities implement parley.PartyEntity)"))
	}
	if r.party >= 0 && r.kinds[r.party].IDField == "" {
		errs = append(errs, fmt.Errorf("the party kind %q needs an IDField: audiences name parties by their chosen id", r.kinds[r.party].Name))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("parley: bad domain declarations: %w", err)
	}
	return r, nil
}

// MustRegistry is NewRegistry for the binary's wiring and tests, where a bad
// declaration is a programming error.
func MustRegistry(domains ...Domain) *Registry {
	r, err := NewRegistry(domains...)
	if err != nil {
		panic(err)
	}
	return r
}

func checkKind(d Domain, k Kind) error {
	if !strings.HasPrefix(k.Name, d.Name()+".") {
		return fmt.Errorf("kind %q of domain %q: a kind's name starts with its domain's", k.Name, d.Name())
	}
	if k.Collection == "" || k.Title == "" || k.New == nil {
		return fmt.Errorf("kind %q: Collection, Title and New are required", k.Name)
	}
	for _, name := range append([]string{k.ParentField, k.HeadlineField, k.OwnerField, k.IDField, k.StatusField, k.TimeField}, k.IndexFields...) {
		if name == "" {
			continue
		}
		if _, ok := k.Field(name); !ok {
			return fmt.Errorf("kind %q names field %q, which its schema does not have", k.Name, name)
		}
	}
	for _, name := range k.FilterFields {
		f, ok := k.Field(name)
		if !ok || (f.Type != String && f.Type != Enum && f.Type != Ref) || slices.Contains(k.IndexFields, name) {
			return fmt.Errorf("kind %q: its filter field %q is not a string, enum or reference field of its schema that it does not index", k.Name, name)
		}
	}
	for _, name := range k.IndexFields {
		if f, _ := k.Field(name); f.Type == List && (f.Elem == nil || (f.Elem.Type != String && f.Elem.Type != Ref && f.Elem.Type != Enum)) {
			return fmt.Errorf("kind %q: its index field %q is a list of something other than strings", k.Name, name)
		}
	}
	if s := k.DefaultAudience.Scope; (s == record.PartyMediator || s == record.PartyOnly) && k.DefaultAudience.Party == "" && k.OwnerField == "" {
		return fmt.Errorf("kind %q: its DefaultAudience is of the owner's party, but it has no OwnerField", k.Name)
	}
	if k.Excerpt != "" {
		if f, ok := k.Field(k.Excerpt); !ok || (f.Type != Text && f.Type != String) {
			return fmt.Errorf("kind %q: its Excerpt %q is not one of its text fields", k.Name, k.Excerpt)
		}
	}
	if len(k.WriteRoles) == 0 {
		return fmt.Errorf("kind %q: no role may write it", k.Name)
	}
	if k.IDField != "" && k.DefaultAudience.Scope != record.Public {
		return fmt.Errorf("kind %q: a kind whose ids are chosen (IDField) is public, since its ids are names everyone shares; its DefaultAudience is %q", k.Name, k.DefaultAudience.Scope)
	}
	// A write carries these beside the body's own fields, and the index
	// keeps SupersedesField beside a signed kind's.
	for _, reserved := range []string{"audience", "statement", "signature", "based_on", SupersedesField, OnField} {
		if _, ok := k.Field(reserved); ok {
			return fmt.Errorf("kind %q: field name %q is reserved: a write carries it beside the body", k.Name, reserved)
		}
	}
	if k.BindsParent {
		if f, _ := k.Field(k.ParentField); f.Type != Ref || k.Mutable || k.Signed {
			return fmt.Errorf("kind %q: a kind that binds its parent's version is immutable, unsigned, and has a Ref ParentField", k.Name)
		}
	}
	if k.Batched && (k.Mutable || k.Signed || k.IDField != "" || k.BindsParent || k.Excerpt != "") {
		return fmt.Errorf("kind %q: a batched kind is immutable, unsigned, has no IDField, binds no parent and has no Excerpt", k.Name)
	}
	if k.Signed {
		// A signed decision is one party's, is never rewritten (a later
		// decision supersedes it), and binds the version of what it
		// decides on, which the parent field names.
		if k.Mutable || k.OwnerField == "" {
			return fmt.Errorf("kind %q: a signed kind is immutable and names its party (OwnerField)", k.Name)
		}
		if k.ParentField != "" {
			if f, _ := k.Field(k.ParentField); f.Type != Ref || f.Ref == "" {
				return fmt.Errorf("kind %q: a signed kind's ParentField %q must be a Ref to the kind it decides on", k.Name, k.ParentField)
			}
		}
	}
	return nil
}

func allFields(fs []Field) []Field {
	var out []Field
	for _, f := range fs {
		out = append(out, f)
		if f.Elem != nil {
			out = append(out, allFields([]Field{*f.Elem})...)
		}
		out = append(out, allFields(f.Fields)...)
	}
	return out
}

// Domains returns the registered domains, in registration order.
func (r *Registry) Domains() []Domain { return r.domains }

// Kinds returns every kind of every domain, in registration order.
func (r *Registry) Kinds() []Kind { return r.kinds }

// Kind returns the kind with the given record kind name.
func (r *Registry) Kind(name string) (Kind, bool) {
	i, ok := r.byName[name]
	if !ok {
		return Kind{}, false
	}
	return r.kinds[i], true
}

// KindByCollection returns the kind served under the given URL collection.
func (r *Registry) KindByCollection(c string) (Kind, bool) {
	i, ok := r.byCollection[c]
	if !ok {
		return Kind{}, false
	}
	return r.kinds[i], true
}

// Invariants returns the rules the writes of a kind must keep.
func (r *Registry) Invariants(kind string) []Invariant { return r.invariants[kind] }

// PartyKind returns the kind whose entities are the parties of the process.
func (r *Registry) PartyKind() Kind {
	if r.party < 0 {
		return Kind{}
	}
	return r.kinds[r.party]
}

// Projections returns every domain's projections, in registration order.
func (r *Registry) Projections() []Projection { return r.projections }

// ProjectionsOf returns the projections of the domain named domain.
func (r *Registry) ProjectionsOf(domain string) []Projection { return r.projectionsOf[domain] }

// Roles returns every role the kernel and the domains know.
func (r *Registry) Roles() []access.Role { return r.roles }

// ParseRole returns the role named s, if the kernel or a domain knows it.
func (r *Registry) ParseRole(s string) (access.Role, error) {
	for _, role := range r.roles {
		if string(role) == s {
			return role, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want one of %v)", s, r.roles)
}

// Decode returns the domain value a body holds.
func (r *Registry) Decode(kind string, body []byte) (Entity, error) {
	k, ok := r.Kind(kind)
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	e := k.New()
	if err := json.Unmarshal(body, e); err != nil {
		return nil, fmt.Errorf("couldn't read a %s: %w", k.Title, err)
	}
	return e, nil
}
